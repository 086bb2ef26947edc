import { it } from 'vitest';
import { playSequence } from '../test/paths/check.js';
import { createSut } from '../test/paths/sut.js';
it('repro', async () => {
  const sut = await createSut('confirm');
  const start = await sut.checkpoint();
  const r = await playSequence(sut, start, ['multi:get+lookup', 'concurrent:refund:eligible', 'interrupt:takeover(yes)']);
  console.log(JSON.stringify(r.problems, null, 1));
  const id = sut.conversations.get('main')!.id;
  const rows = await sut.db.all<any>('SELECT n, turn, kind, substr(payload,1,160) p FROM events WHERE conversation_id = ? ORDER BY n', [id]);
  for (const r of rows) console.log(r.n, r.turn, r.kind, r.p);
}, 60000);
