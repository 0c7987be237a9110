/**
 * Workload 6: encoding and decoding one item, ringcast's codec against JSON, msgpackr and
 * v8.serialize, and ringcast's full store and read paths against msgpackr alone.
 */
import v8 from 'node:v8';

import { pack, unpack } from 'msgpackr';

import {
  measureThroughput,
  type Bench,
  type CaseSpec,
  type ContenderSpec,
  type MeasureSpec,
  type Scenario,
} from '../harness';
import { makePool, POOL_MASK, SHAPE_LABELS, toucher, type Item, type Shape } from '../items';
import { loadValueCodec, openRingcast } from '../subjects';
import { CAPACITY, caseShape, planShapes } from './common';

interface Codec {
  encode(value: unknown): Uint8Array;
  decode(bytes: Uint8Array): unknown;
}

async function loadCodec(id: string): Promise<Codec> {
  if (id === 'ringcast-codec') {
    const { encode, decode } = loadValueCodec();
    const writer = encode.takeWriter();
    return {
      // As msgpackr's pack, a view of the codec's reused buffer, valid until the next call.
      encode(value) {
        writer.reset();
        writer.write(value, 'item');
        return writer.buffer.subarray(0, writer.position);
      },
      decode: (bytes) => decode.decodeValue(bytes, 0, bytes.byteLength),
    };
  }
  if (id === 'json') {
    return {
      encode: (value) => Buffer.from(JSON.stringify(value), 'utf8'),
      decode: (bytes) =>
        JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')),
    };
  }
  if (id === 'msgpackr') {
    return { encode: (value) => pack(value), decode: (bytes) => unpack(bytes) };
  }
  if (id === 'v8') {
    return {
      encode: (value) => v8.serialize(value),
      decode: (bytes) => v8.deserialize(bytes),
    };
  }
  throw new Error(`unknown codec ${id}`);
}

const CODEC_CONTENDERS: ContenderSpec[] = [
  { id: 'ringcast-codec', label: 'ringcast codec (format v1 in JS)', role: 'ringcast' },
  { id: 'json', label: 'JSON (to and from UTF-8 bytes)', role: 'peer' },
  { id: 'msgpackr', label: 'msgpackr pack / unpack', role: 'peer' },
  { id: 'v8', label: 'v8.serialize / deserialize', role: 'peer' },
];

const STORE_CONTENDERS: ContenderSpec[] = [
  { id: 'ringcast-add', label: 'ringcast BINARY add, awaited', role: 'ringcast' },
  { id: 'ringcast-add-all', label: 'ringcast BINARY addAll of 100, per item', role: 'ringcast' },
  { id: 'ringcast-codec', label: 'ringcast codec encode alone', role: 'baseline' },
  { id: 'msgpackr', label: 'msgpackr pack alone', role: 'peer' },
];

const READ_CONTENDERS: ContenderSpec[] = [
  {
    id: 'ringcast-read-many',
    label: 'ringcast BINARY readMany of 100, per item',
    role: 'ringcast',
  },
  { id: 'ringcast-read-one', label: 'ringcast BINARY readOne, awaited', role: 'ringcast' },
  { id: 'ringcast-codec', label: 'ringcast codec decode alone', role: 'baseline' },
  { id: 'msgpackr', label: 'msgpackr unpack alone', role: 'peer' },
];

const READ_SIZE = 100;

async function prepareCodec(spec: MeasureSpec, shape: Shape, direction: string): Promise<Bench> {
  const codec = await loadCodec(spec.contenderId);
  const pool = makePool(shape);
  let next = 0;
  let sink = 0;
  if (direction === 'encode') {
    return {
      itemsPerCall: 1,
      run(calls) {
        for (let i = 0; i < calls; i++) sink += codec.encode(pool[next++ & POOL_MASK]).byteLength;
        if (sink < 0) throw new Error('unreachable');
      },
    };
  }
  const encoded = pool.map((item) => codec.encode(item));
  const touch = toucher(shape);
  return {
    itemsPerCall: 1,
    run(calls) {
      for (let i = 0; i < calls; i++) sink += touch(codec.decode(encoded[next++ & POOL_MASK]));
      if (Number.isNaN(sink)) throw new Error('a decoded item lacks the touched field');
    },
  };
}

async function prepareStore(spec: MeasureSpec): Promise<Bench> {
  const pool = makePool('object');
  let next = 0;
  if (spec.contenderId === 'msgpackr') {
    let sink = 0;
    return {
      itemsPerCall: 1,
      run(calls) {
        for (let i = 0; i < calls; i++) sink += pack(pool[next++ & POOL_MASK]).byteLength;
        if (sink < 0) throw new Error('unreachable');
      },
    };
  }
  const { client, ring } = await openRingcast<Item>('BINARY', CAPACITY);
  if (spec.contenderId === 'ringcast-add') {
    return {
      itemsPerCall: 1,
      async run(calls) {
        for (let i = 0; i < calls; i++) await ring.add(pool[next++ & POOL_MASK]);
      },
      close: () => client.shutdown(),
    };
  }
  const batches = Array.from({ length: 10 }, (_, b) => pool.slice(b * 100, b * 100 + 100));
  return {
    itemsPerCall: 100,
    async run(calls) {
      for (let i = 0; i < calls; i++) await ring.addAll(batches[next++ % batches.length]);
    },
    close: () => client.shutdown(),
  };
}

async function prepareRead(spec: MeasureSpec): Promise<Bench> {
  const pool = makePool('object');
  const touch = toucher('object');
  let next = 0;
  let sink = 0;
  if (spec.contenderId === 'msgpackr') {
    const encoded = pool.map((item) => pack(item));
    return {
      itemsPerCall: 1,
      run(calls) {
        for (let i = 0; i < calls; i++) sink += touch(unpack(encoded[next++ & POOL_MASK]));
        if (Number.isNaN(sink)) throw new Error('a decoded item lacks the touched field');
      },
    };
  }
  const { client, ring } = await openRingcast<Item>('BINARY', CAPACITY);
  for (let start = 0; start < CAPACITY; start += 100) {
    await ring.addAll(Array.from({ length: 100 }, (_, i) => pool[(start + i) & POOL_MASK]));
  }
  if (spec.contenderId === 'ringcast-read-one') {
    return {
      itemsPerCall: 1,
      async run(calls) {
        for (let i = 0; i < calls; i++) sink += touch(await ring.readOne(next++ % CAPACITY));
      },
      close: () => client.shutdown(),
    };
  }
  return {
    itemsPerCall: READ_SIZE,
    async run(calls) {
      for (let i = 0; i < calls; i++) {
        const start = (next++ * 97) % (CAPACITY - READ_SIZE + 1);
        for (const item of await ring.readMany(start, READ_SIZE, READ_SIZE)) sink += touch(item);
      }
    },
    close: () => client.shutdown(),
  };
}

export const scenario: Scenario = {
  id: 'codec',
  title: '6. Codec: encode and decode one item',
  description:
    "Encodes items to bytes and decodes them back. ringcast's codec is the one BINARY " +
    'rings use: format v1 written and read in JavaScript (src/codec), whose bytes the ' +
    'native core checks before it stores them; JSON is ' +
    '`JSON.stringify` to UTF-8 bytes and `JSON.parse` of their text (JSON has no binary ' +
    'type, so it is left out for Buffers); msgpackr is its exported `pack` / `unpack`; v8 ' +
    'is `v8.serialize` / `v8.deserialize`. Decoding reads one field of each result. The ' +
    "store and read-back cases put ringcast's whole path (an awaited add, or a read of a " +
    'stored item) against msgpackr alone, for the small object; their codec-alone rows ' +
    'show how much of that path the codec is. Like msgpackr, the encoders return a view ' +
    'of a reused buffer.',
  cases(options) {
    const cases: CaseSpec[] = [];
    for (const shape of planShapes(options)) {
      const contenders = CODEC_CONTENDERS.filter((c) => shape !== 'buffer' || c.id !== 'json');
      for (const direction of ['encode', 'decode']) {
        cases.push({
          id: `${shape}:${direction}`,
          title: `${direction === 'encode' ? 'Encode' : 'Decode'}: ${SHAPE_LABELS[shape]}`,
          unit: 'items/s',
          higherIsBetter: true,
          chart: true,
          contenders,
        });
      }
    }
    cases.push(
      {
        id: 'object:store',
        title: 'Store a small object: ringcast add against msgpackr pack alone',
        unit: 'items/s',
        higherIsBetter: true,
        chart: false,
        contenders: STORE_CONTENDERS,
      },
      {
        id: 'object:read',
        title: 'Read back a small object: ringcast reads against msgpackr unpack alone',
        unit: 'items/s',
        higherIsBetter: true,
        chart: false,
        contenders: READ_CONTENDERS,
      },
    );
    return cases;
  },
  async measure(spec) {
    const shape = caseShape(spec);
    const [, direction] = spec.caseId.split(':');
    let bench: Bench;
    if (spec.contenderId === 'ringcast-codec') {
      // In the store and read cases, the codec alone shows how much of the path it is.
      const alone = { store: 'encode', read: 'decode' }[direction] ?? direction;
      bench = await prepareCodec(spec, shape, alone);
    } else if (direction === 'store') bench = await prepareStore(spec);
    else if (direction === 'read') bench = await prepareRead(spec);
    else bench = await prepareCodec(spec, shape, direction);
    return measureThroughput(bench, spec.budget);
  },
};
