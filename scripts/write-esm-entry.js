// Writes dist/index.mjs, the ES module entry that re-exports the CommonJS build, so
// `import` and `require` share one module instance (and one native addon).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const dist = path.join(__dirname, '..', 'dist');
const names = Object.keys(require(path.join(dist, 'index.js'))).filter((n) => n !== '__esModule');
const lines = [
  "import cjs from './index.js';",
  '',
  ...names.map((name) => `export const ${name} = cjs.${name};`),
  // TypeScript types a default import of this CommonJS package as the module object.
  'export default cjs;',
  '',
];
fs.writeFileSync(path.join(dist, 'index.mjs'), lines.join('\n'));
