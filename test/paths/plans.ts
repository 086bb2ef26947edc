/**
 * What the exhaustive search explores, per SUT profile: an alphabet and the roots its trees grow
 * from. Roots put the interesting states within reach of a short tree: with confirmation on, a
 * refund needs four steps (verify, look up, propose, yes), an approval five.
 */
import { CONFIRM_ALPHABET, DIRECT_ALPHABET, type Step } from './alphabet.js';
import type { Root } from './exhaustive.js';
import type { SutProfile } from './sut.js';

export interface SearchPlan {
  profile: SutProfile;
  alphabet: Step[];
  roots: Root[];
}

export const PLANS: SearchPlan[] = [
  {
    profile: 'confirm',
    alphabet: CONFIRM_ALPHABET,
    roots: [
      { name: 'start', steps: [] },
      { name: 'verified', steps: ['get:own'] },
      { name: 'offer', steps: ['get:own', 'lookup:eligible', 'refund:eligible=78.22'] },
      { name: 'approval', steps: ['get:own', 'lookup:above-limit', 'refund:above-limit', 'msg:yes'] },
    ],
  },
  {
    profile: 'direct',
    alphabet: DIRECT_ALPHABET,
    roots: [
      { name: 'start', steps: [] },
      { name: 'approval', steps: ['get:own', 'lookup:above-limit', 'refund:above-limit'] },
    ],
  },
];

export function planFor(profile: SutProfile): SearchPlan {
  const plan = PLANS.find((p) => p.profile === profile);
  if (!plan) throw new Error(`no plan for ${profile}`);
  return plan;
}
