import { describe, expect, it } from 'vitest';
import { detectTrigger, detectTriggers } from '../../src/language/triggers.js';

const kindOf = (text: string) => detectTrigger(text)?.kind ?? null;

describe('triggers: negations and hypotheticals do not fire', () => {
  it.each([
    "I'm not going to sue",
    "this isn't a fraud claim",
    'no need to get a manager involved',
    "human or a bot? doesn't matter",
    'Better than talking to a human lol, thanks!',
  ])('%j → no trigger', (text) => {
    expect(detectTriggers(text)).toEqual([]);
  });
});

describe('triggers: names and third parties do not fire', () => {
  it.each([
    'a person named Sue',
    'Sue from your team helped me',
    'my manager bought this for the office',
    'human error at your warehouse',
    "I'm a purchasing representative",
  ])('%j → no trigger', (text) => {
    expect(detectTriggers(text)).toEqual([]);
  });
});

describe('triggers: paraphrases of the danger classes fire', () => {
  it.each([
    ["I don't even want to be alive right now", 'safety'],
    ["I can't go on", 'safety'],
    ['I want to end it all', 'safety'],
    ['thinking of hurting myself', 'safety'],
    ["I'll see you in court", 'legal'],
    ['my lawyer will hear about this', 'legal'],
    ["I'm filing a complaint with the consumer protection agency", 'legal'],
    ["I'm filing a complaint with small claims", 'legal'],
    ['legal action', 'legal'],
    ['this is theft', 'fraud'],
    ['someone used my card without my permission', 'fraud'],
    ["I'm disputing the charge with my bank", 'fraud'],
    ['my account was hacked', 'fraud'],
    ["I didn't place this order", 'fraud'],
    ['chargeback', 'fraud'],
    ['scam', 'fraud'],
    ['transfer me to an actual person', 'human'],
    ['I want your boss on this', 'human'],
    ['can a member of your staff call me back', 'human'],
    ['let me talk to a human', 'human'],
    ['real person please', 'human'],
    ['manager NOW', 'human'],
    ['unacceptable', 'distress'],
    ['furious', 'distress'],
    ['outrageous', 'distress'],
    ['this is harassment', 'distress'],
  ])('%j → %s', (text, kind) => {
    expect(kindOf(text)).toBe(kind);
  });

  it('SEED scenario 2 fires distress first, and also the request for a manager', () => {
    const text = 'This is absolutely unacceptable. I want a manager NOW.';
    expect(detectTrigger(text)).toEqual({
      kind: 'distress',
      reason: 'customer_distress',
      priority: 'P1',
      matched: 'unacceptable',
    });
    expect(detectTriggers(text).map((t) => t.kind)).toEqual(['distress', 'human']);
  });

  it('gives each class its escalation reason', () => {
    expect(detectTrigger('I want to end my life')?.reason).toBe('safety');
    expect(detectTrigger('I will sue you')?.reason).toBe('customer_distress');
    expect(detectTrigger('this is fraud')?.reason).toBe('fraud_suspected');
    expect(detectTrigger('get me a human')?.reason).toBe('customer_distress');
    expect(detectTrigger('this is outrageous')?.reason).toBe('customer_distress');
  });

  it('reports the most urgent class first when several are present', () => {
    const text = "I want a manager, this is a scam and I'll sue. Honestly I don't want to live anymore.";
    expect(detectTriggers(text).map((t) => t.kind)).toEqual(['safety', 'legal', 'fraud', 'human']);
    expect(detectTrigger(text)?.kind).toBe('safety');
  });
});

describe('triggers: obfuscated spellings keep firing', () => {
  it.each([
    ['I will SUE you', 'legal'],
    ['I WILL SUUUE YOU', 'legal'],
    ["I'll call my L.A.W.Y.E.R about this", 'legal'],
    ['Talk to my lÁwYer about ORD-1105.', 'legal'],
    ['this is a s c a m', 'fraud'],
    ['total fr4ud', 'fraud'],
    ['this charge on ORD-1252 is fr@ud.', 'fraud'],
    ['this is fr-aud', 'fraud'],
    ['this is fr aud', 'fraud'],
    ['this is a sc\u0430m', 'fraud'],
    ['\u0455cam', 'fraud'],
    ['so many scams here', 'fraud'],
    ['UNACCEPTAAABLE service', 'distress'],
    ['this is unacc3ptable, ORD-1077 is broken', 'distress'],
    ['can I speak to a HUMAN', 'human'],
    ['Can I speak to a h u m a n please?', 'human'],
    ['Put me through to your m-a-n-a-g-e-r.', 'human'],
    ['I want humans, not bots', 'human'],
    ['get me your supervisor', 'human'],
    ['transfer me to an agent', 'human'],
    ['I want to k1ll myself', 'safety'],
    ['su1c1dal', 'safety'],
  ])('%j → %s', (text, kind) => {
    expect(kindOf(text)).toBe(kind);
  });

  it.each([
    'My blender arrived broken, order ORD-8842',
    'there is an issue with my order',
    'please refund ORD-1007, thanks',
    'email sarah@example.com',
    'write to fraud-team@example.com or scam.reports@example.org',
    'the operator of the delivery van was kind',
    'I will pursue it with the courier',
    'the humane trap and the scampi arrived',
  ])('does not fire on %j', (text) => {
    expect(detectTriggers(text)).toEqual([]);
  });
});

describe('triggers: reluctant and conditional threats', () => {
  it.each([
    ["I don't want to sue, but I will if I have to", 'legal'],
    ["If you don't refund me I'll sue", 'legal'],
    ["I don't care, I'm calling my lawyer", 'legal'],
    ['I have never been scammed like this', 'fraud'],
  ])('%j → %s', (text, kind) => {
    expect(kindOf(text)).toBe(kind);
  });
});

describe('triggers: long and adversarial input', () => {
  it('finds a signal in the middle of a long rambling message', () => {
    const filler = 'the delivery was late and the box was a bit dented but the item itself seems fine. ';
    const signal = 'Honestly, someone logged into my account and changed the address. ';
    const text = `${filler.repeat(20)}${signal}${filler.repeat(20)}`;
    expect(kindOf(text)).toBe('fraud');
  });

  it('reads 4,000 characters of near-misses and says nothing', () => {
    const base = 'my manager bought this for the office and Sue from your team helped, human error I guess. ';
    const text = base.repeat(Math.ceil(4000 / base.length)).slice(0, 4000);
    expect(detectTriggers(text)).toEqual([]);
  });

  it('reads 4,000 characters of single letters and punctuation without hanging', () => {
    expect(detectTriggers('a '.repeat(2000))).toEqual([]);
    expect(detectTriggers('s.'.repeat(2000))).toEqual([]);
    expect(detectTriggers("a a a a'".repeat(500))).toEqual([]);
    expect(kindOf(`${'s c a m '.repeat(500)}`)).toBe('fraud');
  });
});
