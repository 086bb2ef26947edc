/** The tab's conversation (id, token, last live event id), kept in sessionStorage across reloads. */
import { isRecord, parseJson } from '../shared/guards.js';
import { load, save } from '../shared/storage.js';

const STORAGE_KEY = 'support.chat';

export interface Stored {
  id: string;
  token: string;
  lastEventId: string | null;
}

export function readStored(): Stored | null {
  const value = parseJson(load(STORAGE_KEY) ?? '');
  if (!isRecord(value)) return null;
  const { id, token, lastEventId } = value;
  if (typeof id !== 'string' || typeof token !== 'string') return null;
  return { id, token, lastEventId: typeof lastEventId === 'string' ? lastEventId : null };
}

export function writeStored(conv: Stored | null): void {
  save(STORAGE_KEY, conv === null ? null : JSON.stringify(conv));
}
