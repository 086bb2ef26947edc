/** What code adds to a proposal: the server's time, the source, random ids and digests (see ToolEnv). */
import { createHash } from 'node:crypto';
import { secureRandomBytes } from '../random.js';
import type { ProposalSource } from '../machines/conversation.context.js';
import type { Clock } from '../policy.js';
import type { ToolEnv } from '../tools/types.js';

export function toolEnv(clock: Clock, via: ProposalSource): ToolEnv {
  return {
    now: clock(),
    via,
    newId: (prefix) => `${prefix}_${secureRandomBytes(12).toString('base64url')}`,
    digest: (...parts) => createHash('sha256').update(parts.join('\u001f')).digest('hex'),
  };
}
