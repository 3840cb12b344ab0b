// The building blocks of hostile requests: JSON values of every wrong type, number literals JSON.stringify cannot
// write, huge strings, deep nesting, prototype keys at any depth, unicode junk, and image bytes that lie.
import fc from 'fast-check';
import { encodePng } from '../../src/builtin/png.js';
import { JsonObject, RawBytes, RawJson, type JsonText } from './json-text.js';

/** The property a prototype-pollution attempt tries to plant on Object.prototype. */
export const POLLUTION_CANARY = 'fuzzPolluted';

/** Every param the unified request knows (generation and edit), plus LiteLLM controls. */
export const KNOWN_PARAMS = [
  'model',
  'prompt',
  'n',
  'size',
  'quality',
  'response_format',
  'style',
  'stream',
  'partial_images',
  'user',
  'background',
  'moderation',
  'output_format',
  'output_compression',
  'num_retries',
  'timeout',
  'drop_params',
  'allow_single_event_stream',
  'input_fidelity',
  'image',
  'mask',
] as const;

/** Keys a proxy client may not send (credentials and destinations). */
export const STEERING_KEYS = [
  'api_key',
  'api_base',
  'api_version',
  'base_url',
  'organization',
  'api_type',
  'extra_headers',
  'custom_llm_provider',
  'base_model',
  'azure_ad_token',
  'aws_region_name',
  'aws_secret_access_key',
  'vertex_project',
  'google_application_credentials',
  'azure_deployment',
];

/** Names that are special on every JS object. */
export const PROTO_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  'valueOf',
  'toJSON',
  '__defineGetter__',
  'isPrototypeOf',
  'then',
];

export const SMALL_PNG = encodePng(8, 8, Buffer.alloc(8 * 8 * 3, 120));

/** A PNG whose header claims width x height, with almost no pixel data behind it. */
export function lyingPng(width: number, height: number): Buffer {
  const png = Buffer.from(SMALL_PNG);
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  return png;
}

/** Number literals as a hostile client writes them: overflow, underflow, -0, beyond 2^53, exponents. */
export const numberLiteral: fc.Arbitrary<JsonText> = fc
  .constantFrom(
    '1e308',
    '-1e308',
    '1e999',
    '-1e999',
    '-0',
    '0.0',
    '5e-324',
    '1e-400',
    '9007199254740993',
    '-9007199254740993',
    '123456789012345678901234567890',
    '1E2',
    '1e+1',
    '0.5',
    '1.0',
    '2.5',
    '-1',
    '0',
    '3',
    '4',
    '10',
    '11',
    '100',
    '101',
    '4294967297',
    '1e-7',
  )
  .map((text) => new RawJson(text));

/** Long strings of one unit; `whitespace: false` leaves out the all-whitespace ones (see jsonEditImage). */
export function hugeString(options: { whitespace: boolean } = { whitespace: true }): fc.Arbitrary<string> {
  const units = ['a', 'é', '💥', '\ud800', '\\', '"', '\u0000', 'ab ', '\u202e', 'x\n', ...(options.whitespace ? [' ', '\t', '\r\n'] : [])];
  // Mostly well under the body limit (so they reach validation), sometimes over it (413).
  const count = fc.oneof(
    { weight: 5, arbitrary: fc.integer({ min: 1000, max: 40_000 }) },
    { weight: 1, arbitrary: fc.integer({ min: 40_000, max: 300_000 }) },
  );
  return fc.record({ unit: fc.constantFrom(...units), count }).map(({ unit, count: times }) => unit.repeat(times));
}

const trickyStrings = [
  '',
  ' ',
  'NaN',
  'Infinity',
  'null',
  'true',
  'false',
  '1',
  '1.5',
  '-1',
  '0x10',
  '1e3',
  'auto',
  '1024x1024',
  '2x2',
  '0x0',
  '99999x99999',
  '1x99999',
  '16X16',
  ' 16x16',
  '16x16 ',
  '16x16\n',
  'url',
  'b64_json',
  'high',
  'hd',
  'vivid',
  'png',
  'webp',
  'transparent',
  '\u0000',
  '\ud800',
  '\udfff\ud800',
  '\u202e\u2066',
  '\ufeff',
  '%00',
  '../../etc/passwd',
  'file:///etc/passwd',
  'http://169.254.169.254/latest/meta-data/',
  'data:image/png;base64,',
  'data:image/png;base64,AAAA',
  '{{7*7}}',
  '${process.env}',
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
  'mock-images',
];

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme-composite', maxLength: 20 }) },
  { weight: 4, arbitrary: fc.constantFrom(...trickyStrings) },
);

export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 16 }) },
  // Huge names, some of them credential-shaped (refused, and named in the refusal).
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('', 'aws_', 'vertex_'), fc.integer({ min: 1000, max: 200_000 }))
      .map(([prefix, size]) => prefix + 'k'.repeat(size)),
  },
  { weight: 2, arbitrary: fc.constantFrom(...PROTO_KEYS) },
  { weight: 2, arbitrary: fc.constantFrom(...KNOWN_PARAMS) },
  { weight: 1, arbitrary: fc.constantFrom(...STEERING_KEYS) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\u0000', 'a.b', 'a/b', '$ref', '0', '-1', 'length', 'signal', '💥', '\ud800', 'x'.repeat(300)) },
);

const leaf: fc.Arbitrary<JsonText> = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.double(), numberLiteral, hostileString);

/** Small JSON trees whose keys may be anything, prototype keys included. */
export const jsonTree: fc.Arbitrary<JsonText> = fc.letrec<{ tree: JsonText; array: JsonText[]; object: JsonObject }>((tie) => ({
  tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('tree'), { maxLength: 4 }),
  object: fc.array(fc.tuple(hostileKey, tie('tree')), { maxLength: 4 }).map((entries) => new JsonObject(entries)),
})).tree;

/** Nesting far past any limit: JSON.parse takes it, anything recursive on it would not. */
export const deepNesting: fc.Arbitrary<JsonText> = fc
  .record({ depth: fc.integer({ min: 33, max: 20_000 }), kind: fc.constantFrom('array', 'object', 'mixed') })
  .map(({ depth, kind }) => {
    if (kind === 'array') return new RawJson(`${'['.repeat(depth)}${']'.repeat(depth)}`);
    if (kind === 'object') return new RawJson(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
    return new RawJson(`${'[{"__proto__x":'.repeat(depth)}0${'}]'.repeat(depth)}`);
  });

/** Objects that try to reach a prototype: __proto__, constructor.prototype, at some depth. */
export const pollutionAttempt: fc.Arbitrary<JsonText> = fc
  .record({
    form: fc.constantFrom('__proto__', 'constructor.prototype', 'prototype', 'escaped __proto__'),
    depth: fc.integer({ min: 0, max: 3 }),
  })
  .map(({ form, depth }) => {
    const payload = new JsonObject([[POLLUTION_CANARY, 'yes']]);
    let attempt: JsonText;
    if (form === '__proto__') attempt = new JsonObject([['__proto__', payload]]);
    else if (form === 'constructor.prototype') attempt = new JsonObject([['constructor', new JsonObject([['prototype', payload]])]]);
    else if (form === 'prototype') attempt = new JsonObject([['prototype', payload]]);
    // The same key spelled with a JSON escape: "\u005f_proto__".
    else attempt = new RawJson(`{"\\u005f_proto__":{"${POLLUTION_CANARY}":"yes"}}`);
    for (let level = 0; level < depth; level++) attempt = new JsonObject([['a', attempt]]);
    return attempt;
  });

/** Bytes that are not UTF-8 (or are UTF-8 of things that should not be there), inside a JSON string. */
export const invalidUtf8String: fc.Arbitrary<JsonText> = fc
  .constantFrom(
    [0xff, 0xfe],
    [0xc0, 0xaf],
    [0xed, 0xa0, 0x80],
    [0xe2, 0x82],
    [0xf4, 0x90, 0x80, 0x80],
    [0x80],
    [0xf8, 0x88, 0x80, 0x80, 0x80],
    [0x00],
    [0x1b, 0x5b, 0x32, 0x4a],
  )
  .map((bytes) => new RawBytes(Buffer.concat([Buffer.from('"x'), Buffer.from(bytes), Buffer.from('y"')])));

export const hostileValue: fc.Arbitrary<JsonText> = fc.oneof(
  { weight: 6, arbitrary: leaf },
  { weight: 3, arbitrary: jsonTree },
  { weight: 1, arbitrary: deepNesting },
  { weight: 2, arbitrary: pollutionAttempt },
  { weight: 1, arbitrary: hugeString() },
  { weight: 1, arbitrary: invalidUtf8String },
);

/** A whole body that is not a request object at all, or is not even JSON. */
export const hostileWholeBody: fc.Arbitrary<JsonText> = fc.oneof(
  jsonTree,
  leaf,
  deepNesting,
  pollutionAttempt,
  fc.array(jsonTree, { maxLength: 3 }),
  fc
    .constantFrom(
      '',
      ' ',
      'null',
      '{',
      '{"model":',
      '{"model":"mock-images","prompt":"x"',
      '{"model":"mock-images",}',
      "{'model':'mock-images'}",
      '{"a":1}{"b":2}',
      '{"a":1}\n{"b":2}',
      '/* c */ {}',
      'NaN',
      '[1,2,',
      '"\\ud800"',
      '{"\\u0000":1}',
      '{"prompt":"\\u00"}',
      '\ufeff{"model":"mock-images","prompt":"x"}',
      '{"__proto__":null}',
      '{"constructor":null}',
      '{"constructor":{"prototype":null}}',
      '{"prompt":"x","prompt":"y"}',
    )
    .map((text) => new RawJson(text)),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => new RawBytes(Buffer.from(bytes))),
);

/** Image bytes for an edit: real ones, empty, not images, truncated, or with a header that lies about the size. */
export const imageBytes: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 8, arbitrary: fc.constant(SMALL_PNG) },
  {
    weight: 4,
    arbitrary: fc.oneof(
      fc.constant(Buffer.alloc(0)),
      fc.constant(Buffer.from('not an image at all')),
      fc.constant(SMALL_PNG.subarray(0, 24)),
      fc.constant(SMALL_PNG.subarray(0, 40)),
      fc.constant(Buffer.from('GIF89a')),
      fc.constant(Buffer.from([0xff, 0xd8, 0xff])),
      fc.constant(Buffer.from('RIFF\x00\x00\x00\x00WEBPVP8 ', 'latin1')),
      fc
        .constantFrom([65535, 65535], [1, 100_000], [100_000, 1], [4096, 4096], [0, 0], [2 ** 31, 2 ** 31])
        .map(([width, height]) => lyingPng(width!, height!)),
      fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
      fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.concat([SMALL_PNG.subarray(0, 33), Buffer.from(bytes)])),
    ),
  },
);
