import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { refundIntent } from '../../src/language/intent.js';

const SET = z
  .array(z.object({ text: z.string().min(1), intent: z.enum(['wants', 'retracts', 'none']) }))
  .parse(JSON.parse(readFileSync(new URL('./intent-set.json', import.meta.url), 'utf8')));

describe('refundIntent', () => {
  it.each(['forget the refund', "don't refund it", 'hold off'])('%j → retracts', (text) => {
    expect(refundIntent(text)).toBe('retracts');
  });

  it.each(['pls refnd', 'can I just get my cash back', 'give me back what I paid', 'money back'])(
    '%j → wants',
    (text) => {
      expect(refundIntent(text)).toBe('wants');
    },
  );

  it.each(['where is my parcel?', 'did my refund go through?', 'I refuse to wait any longer'])('%j → none', (text) => {
    expect(refundIntent(text)).toBe('none');
  });

  it('lets a withdrawal win over a request in the same message', () => {
    expect(refundIntent("I don't want a refund, I want a replacement")).toBe('retracts');
    expect(refundIntent('refund it. actually no, forget the refund')).toBe('retracts');
  });

  it.each(SET.map((e) => [e.text, e.intent] as const))('labelled: %j → %s', (text, intent) => {
    expect(refundIntent(text)).toBe(intent);
  });

  it('reads 4,000 characters in one pass and keeps the result', () => {
    expect(refundIntent(`${'my order is late. '.repeat(220)}refund please`)).toBe('wants');
    expect(refundIntent('r'.repeat(4000))).toBe('none');
    expect(refundIntent('refund '.repeat(570))).toBe('wants');
  });
});
