// The product's no-cycles rule, rooted at the fixture (the real config only looks at src/).
const product = require('../../.dependency-cruiser.cjs');
const noCycles = product.forbidden.find((r) => r.name === 'no-cycles');
module.exports = {
  forbidden: [{ ...noCycles, from: { path: '^test/lint/fixtures/' } }],
  options: { ...product.options, exclude: {} },
};
