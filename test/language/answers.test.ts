import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { classifyAnswer } from '../../src/language/answers.js';

const SET = z
  .array(z.object({ text: z.string().min(1), answer: z.enum(['yes', 'no', 'unclear']) }))
  .parse(JSON.parse(readFileSync(new URL('./answer-set.json', import.meta.url), 'utf8')));

describe('classifyAnswer: explicit yes', () => {
  it.each([
    'yes',
    'yes please',
    'yep',
    'go ahead',
    'sure, do it',
    'ok do it',
    'please proceed',
    'confirm',
    "that's right, refund it",
    'yes. also can you check my other order?',
  ])('%j → yes', (text) => {
    expect(classifyAnswer(text)).toBe('yes');
  });
});

describe('classifyAnswer: no, or a yes held back', () => {
  it.each([
    'no',
    'no thanks',
    "don't",
    'wait',
    'hold off on the refund for now',
    'actually it works now, forget the refund',
    "please don't refund it, send a new one",
    "would I get a refund or a repair? it's fine for now",
    'not yet',
    'let me think about it',
    'maybe later',
    'yes but wait',
    "I'm not sure",
  ])('%j → no', (text) => {
    expect(classifyAnswer(text)).toBe('no');
  });
});

describe('classifyAnswer: anything else is unclear', () => {
  it.each(['how long does it take?', 'what is the weather like', 'sarah@example.com', 'ORD-8842', ''])(
    '%j → unclear',
    (text) => {
      expect(classifyAnswer(text)).toBe('unclear');
    },
  );
});

describe('classifyAnswer: the labelled set', () => {
  it(`has at least 120 answers of each kind of wording`, () => {
    expect(SET.length).toBeGreaterThanOrEqual(120);
    for (const a of ['yes', 'no', 'unclear'] as const) expect(SET.some((e) => e.answer === a)).toBe(true);
  });

  it.each(SET.map((e) => [e.text, e.answer] as const))('%j → %s', (text, answer) => {
    expect(classifyAnswer(text)).toBe(answer);
  });
});

describe('classifyAnswer: long input', () => {
  it('reads 4,000 characters and still finds the hedge at the end', () => {
    const text = `${'yes '.repeat(995)}wait`;
    expect(text.length).toBeGreaterThanOrEqual(3980);
    expect(classifyAnswer(text)).toBe('no');
    expect(classifyAnswer('yes '.repeat(1000))).toBe('yes');
    expect(classifyAnswer('? '.repeat(2000))).toBe('unclear');
  });
});

describe('a negation about the order is not a no to the offer', () => {
  it.each([
    ['It was order ORD-1063, it never arrived.', 'unclear'],
    ['it does not work at all', 'unclear'],
    ['yes, it never arrived', 'yes'],
    ['not now', 'no'],
    ['I do not want it', 'no'],
  ] as const)('%s → %s', (text, expected) => {
    expect(classifyAnswer(text)).toBe(expected);
  });
});
