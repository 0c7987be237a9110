// Writes the seed corpora of the fuzz targets from real encodings: values encoded by the
// built addon, and frames that the addon's ringReadMany returned for rings of such values.
//
//   node native/fuzz/make-corpus.js OUTPUT_DIR
//
// Creates OUTPUT_DIR/value (inputs of value_fuzzer) and OUTPUT_DIR/frame (inputs of
// frame_fuzzer, whose first byte selects its mode: 0 for frame bytes, 1 for ring operations).
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { threadId } = require('node:worker_threads');

const root = path.join(__dirname, '..', '..');
const binding = require('node-gyp-build')(root);

function nested(depth) {
  let value = 'leaf';
  for (let i = 0; i < depth; i++) value = i % 2 ? [value, i] : { k: value, i };
  return value;
}

const nullProto = Object.assign(Object.create(null), { a: 1, __proto__: 'own' });
const VALUES = {
  'int': 42,
  'negative-zero': -0,
  'nan': NaN,
  'infinity': -Infinity,
  'float': 3.141592653589793,
  'true': true,
  'null-in-array': [null, undefined, false],
  'latin1': 'Stra\u00dfe caf\u00e9',
  'utf16': 'snow \u2603 and \ud83d\ude00',
  'lone-surrogate': 'x\ud800y',
  'empty-string': '',
  'bigint': -(2n ** 130n) + 7n,
  'bigint-zero': 0n,
  'date': new Date(1_700_000_000_000),
  'invalid-date': new Date(NaN),
  'bytes': Buffer.from([0, 1, 2, 250, 255]),
  'sparse-array': [1, , 3], // eslint-disable-line no-sparse-arrays
  'object': { id: 7, name: 'sensor', tags: ['a', 'b'], at: new Date(0), ok: true },
  'null-prototype': nullProto,
  'integer-keys': { 2: 'b', 1: 'a', z: 'z' },
  'nested-50': nested(50),
  'array-of-objects': Array.from({ length: 20 }, (_, i) => ({ i, s: 'v'.repeat(i) })),
};

function write(directory, name, bytes) {
  fs.mkdirSync(directory, { recursive: true });
  fs.writeFileSync(path.join(directory, name), bytes);
}

function main(output) {
  if (!output) throw new Error('usage: node native/fuzz/make-corpus.js OUTPUT_DIR');
  const encoded = [];
  for (const [name, value] of Object.entries(VALUES)) {
    const bytes = binding.encode(value, 'item');
    encoded.push(bytes);
    write(path.join(output, 'value'), name, bytes);
  }

  const ringName = `fuzz-corpus-${process.pid}`;
  const { handle } = binding.ringOpen(ringName, 8, 0, 0, threadId);
  try {
    const frameDirectory = path.join(output, 'frame');
    const frameMode = Buffer.from([0]);
    const writeFrame = (name, start, maxCount, maxBytes) => {
      const frame = binding.ringReadMany(handle, start, maxCount, maxBytes);
      write(frameDirectory, name, Buffer.concat([frameMode, frame]));
    };
    writeFrame('empty-ring', 0, 8, 1 << 20);
    for (const value of Object.values(VALUES)) binding.ringAdd(handle, value, false);
    // The ring keeps the last 8 of the values: sequences 14 .. 21.
    writeFrame('whole-ring', 0, 8, 1 << 20);
    writeFrame('middle', 16, 3, 1 << 20);
    writeFrame('byte-limited', 0, 8, 64);
    writeFrame('past-tail', 30, 8, 0);
    // Mode 1: a capacity byte, then appends (even bytes) and reads (odd bytes).
    const operations = [1, 3, 6, 10, 1, 12, 2, 7, 0, 4, 200, 5, 1, 2, 9, 133, 20, 3];
    write(frameDirectory, 'operations', Buffer.from(operations));
  } finally {
    binding.ringDestroy(handle);
  }
}

main(process.argv[2]);
