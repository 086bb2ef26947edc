import { describe, expect, it } from 'vitest';
import { classifyEmails, type EmailClaims } from '../../src/language/emails.js';

const claims = (own: string[], others: string[] = [], unclear: string[] = []): EmailClaims => ({
  own,
  others,
  unclear,
});

describe('classifyEmails: addresses introduced as the writer’s own', () => {
  it.each([
    "I'm jo@example.com",
    'my email is jo@example.com',
    'My e-mail address is JO@Example.com.',
    'this is jo@example.com, order ORD-1234 is late',
    'email: jo@example.com',
    'account jo@example.com',
    'jo@example.com here, my kettle broke',
    'you can reach me at jo@example.com',
    "it's under jo@example.com",
    'Hi, registered as jo@example.com',
    'im jo@example.com',
    'Email jo@example.com. Refund ORD-1 please',
    'jo@example.com',
    'hello, order ORD-8842 broke. jo@example.com',
    'my account email is jo@example.com thanks',
    'signed up with jo@example.com last year',
    'Hi there! jo@example.com - blender broke',
    'hey its jo@example.com',
    'I bought this for my mum but my email is jo@example.com',
    'sorry, wrong one before. my login is jo@example.com',
    'my details: jo@example.com, ORD-5512',
  ])('%j → own', (text) => {
    expect(classifyEmails(text)).toEqual(claims(['jo@example.com']));
  });
});

describe('classifyEmails: addresses introduced as someone else’s', () => {
  it.each([
    'his email is bo@example.com',
    'her address bo@example.com',
    "my wife's email is bo@example.com",
    "my friend James's order is late, his email is bo@example.com",
    'for my son, bo@example.com',
    'cc bo@example.com',
    'not bo@example.com',
    'my husband uses bo@example.com',
    "I'm asking for my mum, bo@example.com",
    'bo@example.com is hers',
    "The account is under my wife's name, bo@example.com",
    'my daughter placed the order with bo@example.com',
    'please send a copy to bo@example.com',
    'my old email was bo@example.com',
  ])('%j → others, never own', (text) => {
    expect(classifyEmails(text)).toEqual(claims([], ['bo@example.com']));
  });
});

describe('classifyEmails: several addresses', () => {
  it('keeps the own one and the other one apart', () => {
    expect(
      classifyEmails('My email is sarah@example.com (my husband uses marcus@example.com but the order is on mine).'),
    ).toEqual(claims(['sarah@example.com'], ['marcus@example.com']));
  });

  it('asks when none is introduced as own', () => {
    expect(classifyEmails('a@example.com or b@example.com, not sure which')).toEqual(
      claims([], [], ['a@example.com', 'b@example.com']),
    );
  });

  it('puts an address without a cue next to an own one in unclear', () => {
    expect(classifyEmails("I'm a@example.com, also b@example.com")).toEqual(
      claims(['a@example.com'], [], ['b@example.com']),
    );
  });

  it('keeps an address introduced as another’s in others even when no own one is given', () => {
    expect(classifyEmails("her email is b@example.com and there's also c@example.com")).toEqual(
      claims([], ['b@example.com'], ['c@example.com']),
    );
  });

  it('corrects: not this one, that one', () => {
    expect(classifyEmails("it's not old@example.com, it's new@example.com")).toEqual(
      claims(['new@example.com'], ['old@example.com']),
    );
  });

  it('lists a repeated address once', () => {
    expect(classifyEmails('my email is a@example.com. again: a@example.com')).toEqual(claims(['a@example.com']));
  });

  it('lower-cases and drops trailing dots', () => {
    expect(classifyEmails('Email: Sarah@Example.COM.')).toEqual(claims(['sarah@example.com']));
  });

  it('returns empty lists without an address', () => {
    expect(classifyEmails('hello, where is my order?')).toEqual(claims([]));
  });
});

describe('classifyEmails: linear time', () => {
  it('reads 4,000 characters without an @ and with many @s', () => {
    expect(classifyEmails('a'.repeat(4000))).toEqual(claims([]));
    expect(classifyEmails('@'.repeat(4000))).toEqual(claims([]));
    expect(classifyEmails(`${'a.'.repeat(2000)}@`)).toEqual(claims([]));
    const many = Array.from({ length: 150 }, (_, i) => `u${i}@example.com`).join(' ');
    expect(classifyEmails(many).unclear).toHaveLength(150);
    expect(classifyEmails(`${'x'.repeat(3990)}@example.com`).own).toHaveLength(1);
  });
});
