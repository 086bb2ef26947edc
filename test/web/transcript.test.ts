import { describe, expect, it } from 'vitest';
import { Transcript } from '../../src/web/chat/transcript.js';

const at = (s: number) => `2026-12-01T10:00:${String(s).padStart(2, '0')}.000Z`;
const texts = (t: Transcript) => t.entries().map((e) => `${e.pending ? '~' : ''}${e.role}:${e.text}`);

describe('chat transcript', () => {
  it('shows a sent message once whether the live stream or the view confirms it first', () => {
    const t = new Transcript();
    t.addPending({ role: 'customer', text: 'Yes', at: 'local' });
    expect(texts(t)).toEqual(['~customer:Yes']);
    t.receive({ role: 'customer', text: 'Yes', at: at(1) });
    expect(texts(t)).toEqual(['customer:Yes']);
    t.replace([{ role: 'customer', text: 'Yes', at: at(1) }], t.mark());
    expect(texts(t)).toEqual(['customer:Yes']);
  });

  it('matches a pending copy only against messages that came after it (an earlier "Yes" does not count)', () => {
    const t = new Transcript();
    t.replace([{ role: 'customer', text: 'Yes', at: at(1) }], t.mark());
    t.addPending({ role: 'customer', text: 'Yes', at: 'local' });
    expect(texts(t)).toEqual(['customer:Yes', '~customer:Yes']);
  });

  it('keeps a live message the view did not have yet, and drops duplicates of ones it had', () => {
    const t = new Transcript();
    const mark = t.mark();
    t.receive({ role: 'customer', text: 'hi', at: at(1) });
    t.receive({ role: 'operator', text: 'Ana here', at: at(3), author: 'Ana' });
    t.replace([{ role: 'customer', text: 'hi', at: at(1) }], mark);
    expect(texts(t)).toEqual(['customer:hi', 'operator:Ana here']);
    expect(t.receive({ role: 'operator', text: 'Ana here', at: at(3), author: 'Ana' })).toBe(false);
  });

  it('confirms a reply the live stream delivered before the turn ended (counts from the turn start)', () => {
    const t = new Transcript();
    const before = t.counts();
    t.addPending({ role: 'customer', text: 'hi', at: 'l1' }, before);
    t.receive({ role: 'customer', text: 'hi', at: at(1) });
    t.receive({ role: 'agent', text: 'Hello!', at: at(2) });
    t.addPending({ role: 'agent', text: 'Hello!', at: 'l2' }, before);
    expect(texts(t)).toEqual(['customer:hi', 'agent:Hello!']);
  });

  it('keeps two quick identical messages apart until both are confirmed, whatever else the view holds', () => {
    const t = new Transcript();
    t.addPending({ role: 'customer', text: 'Yes', at: 'l1' });
    t.addPending({ role: 'customer', text: 'Yes', at: 'l2' });
    t.replace([{ role: 'customer', text: 'Yes', at: at(1) }], t.mark());
    expect(texts(t)).toEqual(['customer:Yes', '~customer:Yes']);
    t.replace(
      [
        { role: 'customer', text: 'Yes', at: at(1) },
        { role: 'customer', text: 'Yes', at: at(2) },
      ],
      t.mark(),
    );
    expect(texts(t)).toEqual(['customer:Yes', 'customer:Yes']);
  });

  it('places system notices by time among the messages', () => {
    const t = new Transcript();
    t.replace(
      [
        { role: 'customer', text: 'a', at: at(1) },
        { role: 'operator', text: 'b', at: at(5) },
      ],
      t.mark(),
    );
    t.receive({ role: 'system', text: 'joined', at: at(4) });
    expect(texts(t)).toEqual(['customer:a', 'system:joined', 'operator:b']);
  });

  it('shows a notice once when both the live stream and the view carry it', () => {
    const t = new Transcript();
    const mark = t.mark();
    t.receive({ role: 'system', text: 'Ana from our support team has joined the conversation.', at: at(4) });
    t.replace(
      [
        { role: 'customer', text: 'a human please', at: at(1) },
        { role: 'system', text: 'Ana from our support team has joined the conversation.', at: at(4) },
      ],
      mark,
    );
    expect(texts(t)).toEqual([
      'customer:a human please',
      'system:Ana from our support team has joined the conversation.',
    ]);
    expect(
      t.receive({ role: 'system', text: 'Ana from our support team has joined the conversation.', at: at(4) }),
    ).toBe(false);
    t.receive({ role: 'system', text: 'Ana has handed you back to the assistant.', at: at(6) });
    expect(texts(t)).toHaveLength(3);
  });

  it('recognises the streamed reply in the view despite whitespace differences', () => {
    const t = new Transcript();
    const before = t.counts();
    t.addPending({ role: 'customer', text: 'refund please', at: 'l1' }, before);
    t.addPending({ role: 'agent', text: 'Done.  Anything else? ', at: 'l2' }, before);
    t.replace(
      [
        { role: 'customer', text: 'refund please', at: at(1) },
        { role: 'agent', text: 'Done. Anything else?', at: at(2) },
      ],
      t.mark(),
    );
    expect(texts(t)).toEqual(['customer:refund please', 'agent:Done. Anything else?']);
  });
});
