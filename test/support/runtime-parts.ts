/** The product's tools and effects, as main.ts gives them to the runtime, for tests that build a runtime. */
import { defaultEffects } from '../../src/effects/catalog.js';
import { defaultTools } from '../../src/tools/catalog.js';

export const productParts = () => ({ tools: defaultTools(), effects: defaultEffects() });
