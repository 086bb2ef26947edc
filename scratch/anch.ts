import { RULES } from '../src/language/trigger-rules.js';
import { wordSkeletons } from '../src/language/prefilter.js';
const anchors = new Set(RULES.flatMap((r: any) => r.anchors ?? []));
const msg = 'Hi, my email is marcus@example.com. What is the status of order ORD-9901?';
console.log(wordSkeletons(msg).filter((w: string) => anchors.has(w)));
console.log(anchors.size);
