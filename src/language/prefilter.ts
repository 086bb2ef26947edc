/** The pre-filter's view of text: lowercase words as skeletons, without any parse. */
import { skeleton } from './normalise.js';

/** Skeletons of the words of already cleaned text, in order. */
export function wordSkeletons(clean: string): string[] {
  return (clean.toLowerCase().match(/[a-z0-9']+/g) ?? []).map(skeleton);
}
