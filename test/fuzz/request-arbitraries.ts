// Hostile requests by category, as fast-check arbitraries of FuzzRequest. Most carry the right proxy key so they get
// past the key check to body parsing and validation; some carry none or a wrong one (401).
import fc from 'fast-check';
import { MAX_REQUEST_SIZE_MB, MODEL_GROUPS } from './fuzz-proxy.js';
import { printable, type Category, type Expected, type FuzzRequest, type HttpFuzzRequest, type RawFuzzRequest } from './fuzz-request.js';
import {
  deepNesting,
  hostileKey,
  hostileValue,
  hostileWholeBody,
  hugeString,
  imageBytes,
  invalidUtf8String,
  jsonTree,
  KNOWN_PARAMS,
  POLLUTION_CANARY,
  pollutionAttempt,
  PROTO_KEYS,
  SMALL_PNG,
  STEERING_KEYS,
  hostileString,
  numberLiteral,
} from './hostile-values.js';
import { JsonObject, jsonBytes, RawJson, type JsonText } from './json-text.js';
import { filePart, multipartBody, textPart, type FormLayout, type FormPart } from './multipart-body.js';
import { encodeRequest } from './raw-http.js';

export const BODY_LIMIT = MAX_REQUEST_SIZE_MB * 1024 * 1024;
/** How long a raw request that may legitimately get no answer (a body that never comes) is given. */
const STALL_MS = 200;
const RAW_TIMEOUT_MS = 20_000;

interface Auth {
  headers: Record<string, string>;
  valid: boolean;
}

const unauthorized: Expected = { status: 401, code: 'invalid_api_key' };

/** Mostly the right key in one of its accepted forms; otherwise none, or one that must not match. */
export function authArbitrary(key: string): fc.Arbitrary<Auth> {
  const good = fc.constantFrom<Record<string, string>>(
    { authorization: `Bearer ${key}` },
    { authorization: `bearer ${key}` },
    { authorization: `BEARER   ${key}  ` },
    { 'api-key': key },
    { 'x-api-key': `  ${key} ` },
    { authorization: 'Bearer not-the-key', 'api-key': key },
  );
  const bad = fc.oneof(
    fc.constantFrom<Record<string, string>>(
      {},
      { authorization: key },
      { authorization: `Basic ${Buffer.from(`user:${key}`).toString('base64')}` },
      { authorization: `Bearer ${key}x` },
      { authorization: `Bearer x${key}` },
      { authorization: `Bearer ${key.toUpperCase()}` },
      { authorization: `Bearer ${key} ${key}` },
      { authorization: 'Bearer' },
      { authorization: 'Bearer ' },
      { 'api-key': '' },
      { 'x-api-key': key.slice(0, -1) },
      { api_key: key },
      { authorization: `Bearer ${'k'.repeat(8000)}` },
    ),
    fc.stringMatching(/^[!-~]{1,60}$/).map((wrong) => ({ authorization: `Bearer ${wrong}` })),
  );
  return fc.oneof(
    { weight: 88, arbitrary: good.map((headers) => ({ headers, valid: true })) },
    { weight: 12, arbitrary: bad.map((headers) => ({ headers, valid: false })) },
  );
}

const azureSegment: fc.Arbitrary<string> = fc
  .oneof(
    { weight: 6, arbitrary: fc.constantFrom(...MODEL_GROUPS) },
    // Not '.' or '..': a client normalises those away before sending (the raw-socket category sends them).
    { weight: 2, arbitrary: fc.constantFrom(...PROTO_KEYS, 'unknown-model', '...', 'mock-images ', 'MOCK-IMAGES', '%', '💥') },
    { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 30 }) },
  )
  .map((segment) => encodeURIComponent(segment).slice(0, 100));

const query: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.constant('') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '?api-version=2025-04-01-preview',
      `?__proto__[${POLLUTION_CANARY}]=yes`,
      `?constructor[prototype][${POLLUTION_CANARY}]=yes`,
      `?__proto__.${POLLUTION_CANARY}=yes`,
      '?a=%ZZ&b=%',
      '?model=other&model=again',
      '?&&==&',
      `?x=${'q'.repeat(3000)}`,
    ),
  },
);

function routes(operation: 'generations' | 'edits'): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.oneof(
        fc.constantFrom(`/v1/images/${operation}`, `/images/${operation}`),
        azureSegment.map((segment) => `/openai/deployments/${segment}/images/${operation}`),
      ),
      query,
    )
    .map(([path, tail]) => path + tail);
}

/** A POST to an image route: over a bare socket when the body is over the limit (the proxy refuses it unread). */
function imagePost(category: Category, label: string, path: string, auth: Auth, contentType: string | undefined, body: Buffer): FuzzRequest {
  const headers: Record<string, string> = { ...auth.headers };
  if (contentType !== undefined) headers['content-type'] = contentType;
  if (body.length > BODY_LIMIT) {
    const expect = auth.valid ? { status: 413, code: 'request_too_large' } : unauthorized;
    return rawPost(category, `${label}, over the body limit`, path, headers, body, expect);
  }
  return printable<HttpFuzzRequest>({
    via: 'http',
    category,
    label,
    imageRoute: true,
    method: 'POST',
    path,
    headers,
    body,
    expect: auth.valid ? undefined : unauthorized,
  });
}

function rawPost(category: Category, label: string, path: string, headers: Record<string, string>, body: Buffer, expect?: Expected): RawFuzzRequest {
  const lines: [string, string][] = [['host', '127.0.0.1'], ...Object.entries(headers), ['content-length', String(body.length)]];
  return printable<RawFuzzRequest>({
    via: 'raw',
    category,
    label,
    imageRoute: true,
    chunks: [encodeRequest({ method: 'POST', target: path, headers: lines, body })],
    endWrite: false,
    allow: [],
    timeoutMs: RAW_TIMEOUT_MS,
    expect,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// JSON bodies: a valid-looking request, then mutations (wrong types, huge values, prototype keys, ...), or a
// body that is not a request at all.

type Mutation = { op: 'set' | 'append'; key: string; value: JsonText } | { op: 'delete'; key: string };

function applyMutations(base: JsonObject, mutations: Mutation[]): JsonObject {
  let body = base;
  for (const mutation of mutations) {
    if (mutation.op === 'delete') body = body.with(mutation.key, undefined);
    else if (mutation.op === 'set') body = body.with(mutation.key, mutation.value);
    else body = new JsonObject([...body.entries, [mutation.key, mutation.value]]);
  }
  return body;
}

function mutationArbitrary(valueFor: (key: string) => fc.Arbitrary<JsonText>): fc.Arbitrary<Mutation> {
  const key = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom<string>(...KNOWN_PARAMS) },
    { weight: 1, arbitrary: hostileKey },
    { weight: 1, arbitrary: fc.constantFrom(...STEERING_KEYS) },
  );
  return fc.oneof(
    {
      weight: 7,
      arbitrary: fc
        .tuple(fc.constantFrom<'set' | 'append'>('set', 'set', 'set', 'append'), key)
        .chain(([op, name]) => valueFor(name).map((value) => ({ op, key: name, value }))),
    },
    { weight: 1, arbitrary: fc.constantFrom<string>(...KNOWN_PARAMS).map((name) => ({ op: 'delete' as const, key: name })) },
  );
}

/** Sizes each model group takes, kept small: the mock draws every pixel. */
const sizeFor: Record<(typeof MODEL_GROUPS)[number], string[]> = {
  'mock-images': ['16x16', '8x8', '32x24', '1x1', '64x64'],
  'mock-square': ['256x256'],
  'openai-images': ['1024x1024', 'auto'],
};

const validExtras = fc.record(
  {
    n: fc.integer({ min: 1, max: 3 }),
    response_format: fc.constantFrom('url', 'b64_json'),
    user: fc.string({ maxLength: 10 }),
    stream: fc.boolean(),
    partial_images: fc.integer({ min: 0, max: 3 }),
    num_retries: fc.integer({ min: 0, max: 1 }),
    timeout: fc.constantFrom(30, 0.5, 86400),
    drop_params: fc.boolean(),
    // The offline mock spaces streamed events 50 ms apart by default; a batch lasts as long as its slowest request.
    mock_partial_interval_ms: fc.constantFrom(0, 0, 0, 5),
  },
  { requiredKeys: ['mock_partial_interval_ms'] },
);

const baseRequest: fc.Arbitrary<JsonObject> = fc
  .record({
    // mock-square only draws 256x256 and up: fewer of those, mostly on prompts the mock has drawn before (it caches).
    model: fc.constantFrom<(typeof MODEL_GROUPS)[number]>(
      'mock-images',
      'mock-images',
      'mock-images',
      'mock-images',
      'openai-images',
      'openai-images',
      'mock-square',
    ),
    prompt: fc.oneof(fc.string({ minLength: 1, maxLength: 60 }), fc.constantFrom('a red fox', 'an otter')),
    sizeIndex: fc.nat(),
    extras: validExtras,
  })
  .map(({ model, prompt, sizeIndex, extras }) => {
    const sizes = sizeFor[model];
    return new JsonObject([['model', model], ['prompt', prompt], ['size', sizes[sizeIndex % sizes.length]!], ...Object.entries(extras)]);
  });

const generationValue = (): fc.Arbitrary<JsonText> => hostileValue;

/**
 * An edit's image in JSON. All-whitespace huge strings are left out on purpose: the SDK's base64 check
 * (src/files/image-input.ts) takes quadratic time on them — a known bug with its own test in
 * proxy-fuzz-regressions.test.ts; with them in, the suite would measure that bug's seconds instead of fuzzing.
 */
const hostileFileValue: fc.Arbitrary<JsonText> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(SMALL_PNG.toString('base64'), `data:image/png;base64,${SMALL_PNG.toString('base64')}`) },
  { weight: 2, arbitrary: imageBytes.map((bytes) => bytes.toString('base64')) },
  { weight: 1, arbitrary: imageBytes.map((bytes) => `data:image/png;base64,${bytes.toString('base64')}`) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 18 }).map((count) => Array.from({ length: count }, () => SMALL_PNG.toString('base64'))) },
  {
    weight: 2,
    arbitrary: fc.oneof(hostileString, jsonTree, pollutionAttempt, deepNesting, invalidUtf8String, numberLiteral, hugeString({ whitespace: false })),
  },
);

const editValue = (key: string): fc.Arbitrary<JsonText> => (key === 'image' || key === 'mask' ? hostileFileValue : hostileValue);

function jsonBody(operation: 'generations' | 'edits'): fc.Arbitrary<{ body: JsonText; label: string }> {
  const base =
    operation === 'generations'
      ? baseRequest
      : fc
          .tuple(baseRequest, hostileFileValue, fc.option(hostileFileValue, { freq: 4 }))
          .map(([request, image, mask]) => (mask === null ? request.with('image', image) : request.with('image', image).with('mask', mask)));
  const mutated = fc
    .tuple(base, fc.array(mutationArbitrary(operation === 'generations' ? generationValue : editValue), { maxLength: 4 }))
    .map(([request, mutations]) => ({
      body: applyMutations(request, mutations) as JsonText,
      label:
        mutations.length === 0
          ? 'valid-looking request'
          : `mutated: ${mutations.map((m) => `${m.op} ${JSON.stringify(m.key).slice(0, 40)}`).join(', ')}`,
    }));
  return fc.oneof(
    { weight: 85, arbitrary: mutated },
    { weight: 15, arbitrary: hostileWholeBody.map((body) => ({ body, label: 'whole body replaced' })) },
  );
}

const jsonContentType = fc.constantFrom('application/json', 'application/json', 'application/json', 'application/json; charset=utf-8');

export function jsonGenerationRequest(key: string): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({ path: routes('generations'), auth: authArbitrary(key), body: jsonBody('generations'), contentType: jsonContentType })
    .map(({ path, auth, body, contentType }) => imagePost('json-generation', body.label, path, auth, contentType, jsonBytes(body.body)));
}

export function jsonEditRequest(key: string): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({ path: routes('edits'), auth: authArbitrary(key), body: jsonBody('edits'), contentType: jsonContentType })
    .map(({ path, auth, body, contentType }) => imagePost('json-edit', body.label, path, auth, contentType, jsonBytes(body.body)));
}

// ---------------------------------------------------------------------------------------------------------------
// Multipart edits: a form like openai-node sends, then broken in its fields, files, part headers and framing.

const fieldName: fc.Arbitrary<string | Buffer> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom<string>(...KNOWN_PARAMS) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(...PROTO_KEYS, `__proto__[${POLLUTION_CANARY}]`, `constructor[prototype][${POLLUTION_CANARY}]`, '__proto__.x'),
  },
  { weight: 1, arbitrary: fc.constantFrom(...STEERING_KEYS) },
  { weight: 2, arbitrary: fc.constantFrom('', ' ', 'image[0]', 'image[]x', 'IMAGE', 'mask[]', 'x'.repeat(150), 'a"b', 'a\\"b', 'é💥', 'a;b', 'a=b') },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom(Buffer.from([0xff, 0xfe, 0x41]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xed, 0xa0, 0x80])) },
);

const fieldText: fc.Arbitrary<string | Buffer> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 2, arbitrary: fc.constantFrom('1', '0', '-1', '1.5', '10', '11', 'true', 'false', 'True', '1e3', '9007199254740993', '16x16', '', ' 2') },
  { weight: 1, arbitrary: fc.integer({ min: 100_000, max: 140_000 }).map((size) => 'p'.repeat(size)) },
  { weight: 1, arbitrary: fc.constantFrom(Buffer.from([0xff, 0xfe]), Buffer.from([0x80, 0x80, 0x80]), Buffer.from('x\r\n--fuzz\r\n')) },
);

function partName(name: string | Buffer): string | Buffer {
  return Buffer.isBuffer(name) ? Buffer.concat([Buffer.from('form-data; name="'), name, Buffer.from('"')]) : `form-data; name="${name}"`;
}

type FormMutation = { label: string; apply: (parts: FormPart[]) => FormPart[] };

const formMutation = fc.oneof<fc.Arbitrary<FormMutation>[]>(
  fc.tuple(fieldName, fieldText).map(([name, value]) => ({
    label: `field ${JSON.stringify(String(name)).slice(0, 40)}`,
    apply: (parts: FormPart[]) => [...parts, { disposition: partName(name), body: Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8') }],
  })),
  fc.tuple(fieldName, fc.oneof(jsonTree, pollutionAttempt, deepNesting, fc.constant(new RawJson('{"a":')))).map(([name, value]) => ({
    label: 'field sent as application/json',
    apply: (parts: FormPart[]) => [...parts, { disposition: partName(name), contentType: 'application/json', body: jsonBytes(value) }],
  })),
  fc
    .tuple(fieldName, imageBytes, fc.constantFrom('a.png', '', '../../x.png', 'é.png', 'a"b.png', 'x'.repeat(300)))
    .map(([name, bytes, filename]) => ({
      label: `file part ${JSON.stringify(String(name)).slice(0, 40)}`,
      apply: (parts: FormPart[]) => [
        ...parts,
        { disposition: Buffer.concat([Buffer.from(partName(name)), Buffer.from(`; filename="${filename}"`)]), contentType: 'image/png', body: bytes },
      ],
    })),
  fc
    .constantFrom('image', 'image[]', 'mask')
    .map((name) => ({ label: `${name} as a text field`, apply: (parts: FormPart[]) => [...parts, textPart(name, SMALL_PNG.toString('base64'))] })),
  fc.integer({ min: 2, max: 20 }).map((count) => ({
    label: `${count} image[] parts`,
    apply: (parts: FormPart[]) => [
      ...parts.filter((part) => !String(part.disposition).includes('name="image"')),
      ...Array.from({ length: count }, () => filePart('image[]', SMALL_PNG)),
    ],
  })),
  fc.integer({ min: 45, max: 70 }).map((count) => ({
    label: `${count} fields`,
    apply: (parts: FormPart[]) => [...parts, ...Array.from({ length: count }, (_, index) => textPart(`extra_${index}`, 'v'))],
  })),
  fc.constant({ label: 'image removed', apply: (parts: FormPart[]) => parts.filter((part) => !String(part.disposition).includes('name="image"')) }),
  fc.constant({ label: 'duplicate prompt', apply: (parts: FormPart[]) => [...parts, textPart('prompt', 'again')] }),
  fc.constant({ label: 'second mask', apply: (parts: FormPart[]) => [...parts, filePart('mask', SMALL_PNG), filePart('mask', SMALL_PNG)] }),
  fc.integer({ min: BODY_LIMIT - 2000, max: BODY_LIMIT + 4000 }).map((size) => ({
    label: `image of ${size} bytes`,
    apply: (parts: FormPart[]) => [
      ...parts.filter((part) => !String(part.disposition).includes('name="image"')),
      filePart('image', Buffer.concat([SMALL_PNG, Buffer.alloc(size)])),
    ],
  })),
  fc
    .constantFrom(
      'form-data; name=prompt',
      'form-data; name="prompt"; name="model"',
      "form-data; name*=UTF-8''%C3%A9",
      'form-data',
      'attachment; name="prompt"',
      'form-data; name="image"; filename*=UTF-8\'\'x%00.png',
      'form-data; name="__proto__"; filename="a.png"',
      'form-data; name="constructor"',
      `form-data; name="${'n'.repeat(5000)}"`,
      'form-data; name="prompt',
      'form-data; name=""',
    )
    .map((disposition) => ({
      label: `disposition ${disposition.slice(0, 50)}`,
      apply: (parts: FormPart[]) => [...parts, { disposition, body: Buffer.from('x') }],
    })),
  fc
    .constantFrom(
      ['Content-Transfer-Encoding: base64'],
      ['Content-Type: text/plain; charset=utf-16'],
      ['X-Junk'],
      [`X-Long: ${'h'.repeat(20000)}`],
      Array.from({ length: 300 }, (_, index) => `X-H${index}: v`),
    )
    .map((lines) => ({
      label: `part headers ${lines[0]!.slice(0, 30)}`,
      apply: (parts: FormPart[]) => parts.map((part, index) => (index === 0 ? { ...part, extraHeaders: lines } : part)),
    })),
);

const boundaryChoice = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ header: 'fuzzboundary', body: 'fuzzboundary' }) },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      { header: '"quoted boundary"', body: 'quoted boundary' },
      { header: 'other', body: 'fuzzboundary' },
      { header: undefined, body: 'fuzzboundary' },
      { header: '', body: '' },
      { header: 'b'.repeat(200), body: 'b'.repeat(200) },
      { header: 'fuzz;boundary=x', body: 'fuzz' },
      { header: 'é', body: 'é' },
      { header: 'fuzzboundary"', body: 'fuzzboundary' },
    ),
  },
);

const framing = fc.record({
  closing: fc.constantFrom(true, true, true, true, true, false),
  preamble: fc.option(fc.constantFrom(Buffer.from('preamble junk'), Buffer.from([0xff, 0x00])), { freq: 6 }),
  epilogue: fc.option(fc.constantFrom(Buffer.from('epilogue'), Buffer.from('\r\n--fuzzboundary--\r\n')), { freq: 6 }),
  bareLf: fc.constantFrom(false, false, false, false, false, false, true),
  truncateAt: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { freq: 8 }),
});

export function multipartEditRequest(key: string): fc.Arbitrary<FuzzRequest> {
  const form = fc.record({
    model: fc.constantFrom(...MODEL_GROUPS),
    prompt: fc.string({ minLength: 1, maxLength: 40 }),
    // Without a size the mock draws at the input's size, 1024x1024 for an input whose header lies: slow, so rarer.
    size: fc.constantFrom('16x16', '16x16', '16x16', '8x8', '256x256', '1024x1024', 'auto', undefined),
    typed: fc.subarray([
      ['n', '1'],
      ['response_format', 'b64_json'],
      ['stream', 'true'],
      ['partial_images', '1'],
      ['input_fidelity', 'high'],
    ]),
    image: imageBytes,
    mask: fc.option(imageBytes, { freq: 4 }),
    mutations: fc.array(formMutation, { maxLength: 3 }),
    boundary: boundaryChoice,
    framing,
  });
  return fc.record({ path: routes('edits'), auth: authArbitrary(key), form }).map(({ path, auth, form: f }) => {
    const typed = f.size === undefined ? f.typed : [...f.typed, ['size', f.size]];
    let parts: FormPart[] = [
      textPart('model', f.model),
      textPart('prompt', f.prompt),
      ...typed.map(([name, value]) => textPart(name!, value!)),
      filePart('image', f.image),
    ];
    if (f.mask !== null) parts.push(filePart('mask', f.mask));
    for (const mutation of f.mutations) parts = mutation.apply(parts);
    const layout: FormLayout = {
      boundary: f.boundary.body,
      parts,
      closing: f.framing.closing,
      preamble: f.framing.preamble ?? undefined,
      epilogue: f.framing.epilogue ?? undefined,
      bareLf: f.framing.bareLf,
    };
    let body = multipartBody(layout);
    if (f.framing.truncateAt !== null) body = body.subarray(0, Math.floor(body.length * f.framing.truncateAt));
    const contentType = f.boundary.header === undefined ? 'multipart/form-data' : `multipart/form-data; boundary=${f.boundary.header}`;
    const label = [
      f.mutations.map((m) => m.label).join(', ') || 'valid-looking form',
      f.boundary.header === 'fuzzboundary' ? '' : `boundary ${JSON.stringify(f.boundary.header)}`,
      f.framing.truncateAt === null ? '' : 'truncated',
      f.framing.closing ? '' : 'no closing delimiter',
    ]
      .filter(Boolean)
      .join('; ');
    return imagePost('multipart-edit', label, path, auth, contentType, body);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Content types: a good body under a wrong, odd or missing Content-Type.

/** Content types no image route parses: with a body, the answer is 415. */
const FOREIGN_TYPES = [
  'text/plain',
  'text/plain; charset=utf-8',
  'application/x-www-form-urlencoded',
  'application/xml',
  'application/octet-stream',
  'image/png',
  'text/html',
  'text/json',
];
const ODD_TYPES = [
  'application/json; charset=utf-16',
  'application/json;charset=ISO-8859-1',
  'APPLICATION/JSON',
  'Application/Json; Charset=UTF-8',
  'application/json ; ',
  'application/json; boundary=x',
  'application/json; charset="utf-8"',
  'application/json; charset=utf-8; charset=latin1',
  'application/vnd.api+json',
  'application/json-patch+json',
  'application/jsonx',
  'application/json, text/plain',
  'application/json\t',
  '*/*',
  'application/*',
  'json',
  ';',
  '',
  'multipart/form-data; boundary=fuzz',
  'multipart/mixed; boundary=fuzz',
  'multipart/form-data',
];

export function contentTypeRequest(key: string): fc.Arbitrary<FuzzRequest> {
  const valid = new JsonObject([
    ['model', 'mock-images'],
    ['prompt', 'a fox'],
    ['size', '16x16'],
    ['image', SMALL_PNG.toString('base64')],
  ]);
  return fc
    .record({
      operation: fc.constantFrom<'generations' | 'edits'>('generations', 'edits'),
      auth: authArbitrary(key),
      type: fc.oneof(
        fc.constantFrom(...FOREIGN_TYPES).map((type) => ({ type, foreign: true })),
        fc.constantFrom(...ODD_TYPES, undefined).map((type) => ({ type, foreign: false })),
      ),
      body: fc.oneof(
        { weight: 5, arbitrary: fc.constant(valid as JsonText) },
        { weight: 2, arbitrary: hostileWholeBody },
        { weight: 1, arbitrary: fc.constant(new RawJson('model=mock-images&prompt=x')) },
      ),
    })
    .chain(({ operation, auth, type, body }) =>
      routes(operation).map((path) => {
        const bytes = jsonBytes(body);
        const request = imagePost('content-type', `content-type ${JSON.stringify(type.type)}`, path, auth, type.type, bytes);
        if (auth.valid && type.foreign && bytes.length > 0) request.expect = { status: 415, code: 'unsupported_media_type' };
        return request;
      }),
    );
}

// ---------------------------------------------------------------------------------------------------------------
// Auth: a good request under every way of presenting (or failing to present) the key.

export function authRequest(key: string): fc.Arbitrary<FuzzRequest> {
  const body = jsonBytes(
    new JsonObject([
      ['model', 'mock-images'],
      ['prompt', 'auth'],
      ['size', '8x8'],
    ]),
  );
  const auth = fc.oneof(
    authArbitrary(key),
    authArbitrary(key).filter((candidate) => !candidate.valid),
  );
  return fc
    .record({ path: routes('generations'), auth })
    .map(({ path, auth: presented }) =>
      imagePost('auth', presented.valid ? 'accepted key form' : 'missing or wrong key', path, presented, 'application/json', body),
    );
}

// ---------------------------------------------------------------------------------------------------------------
// Other routes and methods: the GET routes, health, near-misses of the image routes, unknown paths.

const HEALTH = ['/health/liveliness', '/health/readiness'];
const GET_ROUTES = ['/v1/models', '/models', '/spend', '/metrics'];
const NEAR_MISSES = [
  '/v1/images/generation',
  '/v1/images',
  '/v1//images/generations',
  '/v1/images/generations/',
  '/v1/images/generations/extra',
  '/openai/deployments//images/generations',
  '/openai/deployments/mock-images/images/variations',
  '/v2/images/generations',
  '/V1/MODELS',
  '/v1/models/mock-images',
  '/health',
  '/health/liveliness/x',
  '/',
  // Attempts to reach a keyed route through the key-free health paths.
  '/health/liveliness%2F..%2F..%2Fv1%2Fmodels',
  '/health/%2e%2e/v1/models',
  '/health/liveliness;/v1/models',
  '/HEALTH/LIVELINESS',
  '/health/readiness/',
];

export function otherRouteRequest(key: string): fc.Arbitrary<FuzzRequest> {
  const unknown = fc
    .array(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 4 })
    .map((segments) => `/fuzz-unknown/${segments.map(encodeURIComponent).join('/')}`);
  return fc
    .record({
      path: fc.oneof(fc.constantFrom(...HEALTH, ...GET_ROUTES, ...NEAR_MISSES), unknown),
      query,
      method: fc.constantFrom('GET', 'GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
      auth: authArbitrary(key),
      body: fc.option(hostileWholeBody, { freq: 2 }),
    })
    .map(({ path, query: tail, method, auth, body }) => {
      const withBody = body !== null && method !== 'GET' && method !== 'HEAD';
      const readable = method === 'GET' || method === 'HEAD';
      let expect: Expected | undefined;
      // A body sent to no route is still parsed first (fastify's not-found handler is a route too): bad JSON is a 400.
      const notFound = withBody ? undefined : { status: 404, code: 'route_not_found' };
      if (HEALTH.includes(path)) expect = readable ? { status: 200 } : notFound;
      else if (!auth.valid) expect = unauthorized;
      else if (GET_ROUTES.includes(path)) expect = readable ? { status: 200 } : notFound;
      else if (path.startsWith('/fuzz-unknown/')) expect = notFound;
      return printable<HttpFuzzRequest>({
        via: 'http',
        category: 'other-routes',
        label: `${method} ${path.slice(0, 40)}`,
        imageRoute: false,
        head: method === 'HEAD',
        method,
        path: path + tail,
        headers: { ...auth.headers, ...(withBody ? { 'content-type': 'application/json' } : {}) },
        body: withBody ? jsonBytes(body) : undefined,
        expect,
      });
    });
}

// ---------------------------------------------------------------------------------------------------------------
// Raw sockets: what no HTTP client library would send.

interface RawShape {
  label: string;
  expect?: Expected;
  abandonAfterMs?: number;
  chunks: readonly Buffer[];
  endWrite?: boolean;
  allow?: readonly ('closed' | 'timeout')[];
  timeoutMs?: number;
  head?: boolean;
}

const CRLF = '\r\n';

function rawRequestBytes(method: string, target: string, headers: [string, string | Buffer][], body?: Buffer, version = 'HTTP/1.1'): Buffer {
  return encodeRequest({ method, target, headers, body, version });
}

function chunked(body: Buffer, sizes: number[], extension: string, trailer: string): Buffer {
  const out: Buffer[] = [];
  let offset = 0;
  for (const size of sizes) {
    if (offset >= body.length) break;
    const piece = body.subarray(offset, offset + Math.max(1, size));
    offset += piece.length;
    out.push(Buffer.from(`${piece.length.toString(16)}${extension}${CRLF}`), piece, Buffer.from(CRLF));
  }
  if (offset < body.length) out.push(Buffer.from(`${(body.length - offset).toString(16)}${CRLF}`), body.subarray(offset), Buffer.from(CRLF));
  out.push(Buffer.from(`0${CRLF}${trailer}${CRLF}`));
  return Buffer.concat(out);
}

export function rawSocketRequest(key: string): fc.Arbitrary<FuzzRequest> {
  const auth: [string, string] = ['authorization', `Bearer ${key}`];
  const host: [string, string] = ['host', '127.0.0.1'];
  const json: [string, string] = ['content-type', 'application/json'];
  const path = '/v1/images/generations';
  const goodBody = jsonBytes(
    new JsonObject([
      ['model', 'mock-images'],
      ['prompt', 'raw'],
      ['size', '8x8'],
    ]),
  );
  const length = (body: Buffer): [string, string] => ['content-length', String(body.length)];
  const standard = (extra: [string, string | Buffer][], body = goodBody): Buffer =>
    rawRequestBytes('POST', path, [host, auth, json, length(body), ...extra], body);

  const headerJunk = fc.oneof<fc.Arbitrary<RawShape>[]>(
    fc
      .uint8Array({ minLength: 1, maxLength: 40 })
      .map((bytes) => ({ label: 'header value of random bytes', chunks: [standard([['x-fuzz', Buffer.from(bytes)]])] })),
    fc
      .constantFrom('x fuzz', 'x(fuzz)', 'x:fuzz', 'é', '', 'x\u0000y', 'x\u007fy', '💥')
      .map((name) => ({ label: `header name ${JSON.stringify(name)}`, chunks: [standard([[name, 'v']])] })),
    fc
      .integer({ min: 1000, max: 24_000 })
      .map((size) => ({ label: `header value of ${size} bytes`, chunks: [standard([['x-long', 'h'.repeat(size)]])] })),
    fc.integer({ min: 50, max: 2500 }).map((count) => ({
      label: `${count} headers`,
      chunks: [standard(Array.from({ length: count }, (_, index) => [`x-h-${index}`, 'v'] as [string, string]))],
    })),
    fc
      .constantFrom<[string, [string, string][]]>(
        ['two content types', [['content-type', 'text/plain']]],
        ['two authorizations, wrong first', [['authorization', 'Bearer wrong']]],
        ['two hosts', [['host', 'evil.example']]],
        ['two equal content lengths', [['content-length', String(goodBody.length)]]],
        ['two different content lengths', [['content-length', String(goodBody.length + 1)]]],
        ['transfer-encoding with content-length', [['transfer-encoding', 'chunked']]],
        ['unknown transfer-encoding', [['transfer-encoding', 'gzip']]],
        ['expect 100-continue', [['expect', '100-continue']]],
        ['expect junk', [['expect', 'something-else']]],
        [
          'connection upgrade',
          [
            ['connection', 'upgrade'],
            ['upgrade', 'websocket'],
          ],
        ],
        [
          'x-forwarded junk',
          [
            ['x-forwarded-for', '::1, 300.1.1.1, <script>'],
            ['x-forwarded-host', 'evil'],
            ['forwarded', 'for=unknown;proto=gopher'],
          ],
        ],
        ['content-encoding gzip on plain JSON', [['content-encoding', 'gzip']]],
        ['accept-version', [['accept-version', '1.x']]],
      )
      .map(([label, extra]) => ({ label, chunks: [standard(extra)] })),
    fc.constantFrom(
      { label: 'no host', chunks: [rawRequestBytes('POST', path, [auth, json, length(goodBody)], goodBody)] },
      {
        label: 'obs-fold header',
        chunks: [
          Buffer.from(
            `POST ${path} HTTP/1.1${CRLF}host: x${CRLF}authorization: Bearer ${key}${CRLF}x-a: b${CRLF} folded${CRLF}content-type: application/json${CRLF}content-length: ${goodBody.length}${CRLF}${CRLF}${goodBody}`,
          ),
        ],
      },
      {
        label: 'bare LF line ends',
        chunks: [
          Buffer.from(
            `POST ${path} HTTP/1.1\nhost: x\nauthorization: Bearer ${key}\ncontent-type: application/json\ncontent-length: ${goodBody.length}\n\n${goodBody}`,
          ),
        ],
      },
      {
        label: 'header without colon',
        chunks: [
          Buffer.from(
            `POST ${path} HTTP/1.1${CRLF}host: x${CRLF}authorization: Bearer ${key}${CRLF}nocolon${CRLF}content-type: application/json${CRLF}content-length: ${goodBody.length}${CRLF}${CRLF}${goodBody}`,
          ),
        ],
      },
    ),
  );

  const targetJunk = fc.oneof<fc.Arbitrary<RawShape>[]>(
    fc.uint8Array({ minLength: 1, maxLength: 30 }).map((bytes) => ({
      label: 'path with random bytes',
      chunks: [
        rawRequestBytes(
          'POST',
          Buffer.concat([Buffer.from('/v1/images/'), Buffer.from(bytes.filter((byte) => byte !== 0x20 && byte !== 0x0d && byte !== 0x0a))]).toString(
            'latin1',
          ),
          [host, auth, json, length(goodBody)],
          goodBody,
        ),
      ],
    })),
    fc
      .constantFrom(
        '*',
        'http://127.0.0.1/v1/images/generations',
        'v1/images/generations',
        '/v1/images/generations#fragment',
        '/v1/images/generations?',
        '/v1/images/generations;x',
        '/v1/images/%2e%2e/generations',
        '/v1/images/generations%00',
        '/openai/deployments/%E0%A4%A/images/generations',
        '/openai/deployments/%/images/generations',
        `/openai/deployments/${'d'.repeat(150)}/images/generations`,
        `/v1/${'p'.repeat(9000)}`,
        '/v1/images/\u00e9',
      )
      .map((target) => ({
        label: `target ${JSON.stringify(target.slice(0, 60))}`,
        chunks: [rawRequestBytes('POST', target, [host, auth, json, length(goodBody)], goodBody)],
      })),
  );

  const methodJunk: fc.Arbitrary<RawShape> = fc
    .constantFrom('post', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'PROPFIND', 'XYZ', 'GET', 'HEAD', 'SEARCH', 'QUERY')
    .map((method) => ({
      label: `method ${method} with a body`,
      chunks: [rawRequestBytes(method, path, [host, auth, json, length(goodBody)], goodBody)],
      head: method === 'HEAD',
    }));

  const versionJunk: fc.Arbitrary<RawShape> = fc
    .constantFrom('HTTP/1.0', 'HTTP/1.2', 'HTTP/2.0', 'HTTP/0.9', 'http/1.1', 'HTTP/1.1 extra', '')
    .map((version) => ({
      label: `version ${JSON.stringify(version)}`,
      chunks: [rawRequestBytes('POST', path, [host, auth, json, length(goodBody)], goodBody, version)],
    }));

  const lengthLies = fc.oneof<fc.Arbitrary<RawShape>[]>(
    fc.integer({ min: 1, max: goodBody.length - 1 }).map((short) => ({
      label: `content-length ${short} short of the body`,
      chunks: [rawRequestBytes('POST', path, [host, auth, json, ['content-length', String(goodBody.length - short)]], goodBody)],
    })),
    fc.tuple(fc.integer({ min: 1, max: 5000 }), fc.boolean()).map(([extra, fin]) => ({
      label: `content-length ${extra} past the body, then ${fin ? 'FIN' : 'silence'}`,
      chunks: [rawRequestBytes('POST', path, [host, auth, json, ['content-length', String(goodBody.length + extra)]], goodBody)],
      endWrite: fin,
      // The proxy cannot answer a body it has not got: it may wait for the rest, or drop the connection at FIN.
      allow: fin ? (['closed'] as 'closed'[]) : (['timeout'] as 'timeout'[]),
      timeoutMs: fin ? RAW_TIMEOUT_MS : STALL_MS,
    })),
    fc.constantFrom('abc', '-1', '1.5', '+5', ' 5 ', '0x10', '1e3', '99999999999999999999999', '', '5, 5').map((value) => ({
      label: `content-length ${JSON.stringify(value)}`,
      chunks: [rawRequestBytes('POST', path, [host, auth, json, ['content-length', value]], goodBody)],
    })),
    fc.constant({ label: 'body without content-length', chunks: [rawRequestBytes('POST', path, [host, auth, json], goodBody)] }),
  );

  const chunkedBodies = fc.oneof<fc.Arbitrary<RawShape>[]>(
    fc
      .record({
        sizes: fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 8 }),
        extension: fc.constantFrom('', ';a=b', ';x'),
        trailer: fc.constantFrom('', `x-trailer: t${CRLF}`),
      })
      .map(({ sizes, extension, trailer }) => ({
        label: `chunked body${extension ? ' with extensions' : ''}${trailer ? ' and a trailer' : ''}`,
        chunks: [rawRequestBytes('POST', path, [host, auth, json, ['transfer-encoding', 'chunked']], chunked(goodBody, sizes, extension, trailer))],
      })),
    fc
      .constantFrom(
        { label: 'chunk size not hex', body: `zz${CRLF}abc${CRLF}0${CRLF}${CRLF}` },
        { label: 'chunk size past the data', body: `ff${CRLF}{"model":1}${CRLF}0${CRLF}${CRLF}` },
        { label: 'huge chunk size', body: `ffffffffffffffff${CRLF}{}${CRLF}0${CRLF}${CRLF}` },
        { label: 'negative chunk size', body: `-5${CRLF}{}${CRLF}0${CRLF}${CRLF}` },
        { label: 'chunk without CRLF', body: `2${CRLF}{}0${CRLF}${CRLF}` },
      )
      .map(({ label, body }) => ({
        label,
        chunks: [rawRequestBytes('POST', path, [host, auth, json, ['transfer-encoding', 'chunked']], Buffer.from(body))],
        allow: ['timeout'] as 'timeout'[],
        timeoutMs: STALL_MS * 2,
      })),
    fc.boolean().map((fin) => ({
      label: `chunked body without its last chunk, then ${fin ? 'FIN' : 'silence'}`,
      chunks: [rawRequestBytes('POST', path, [host, auth, json, ['transfer-encoding', 'chunked']], Buffer.from(`5${CRLF}{"mod${CRLF}`))],
      endWrite: fin,
      allow: fin ? (['closed'] as 'closed'[]) : (['timeout'] as 'timeout'[]),
      timeoutMs: fin ? RAW_TIMEOUT_MS : STALL_MS,
    })),
    fc.constantFrom('chunked, chunked', 'gzip, chunked', 'chunked, identity', 'identity', 'Chunked', ' chunked').map((value) => ({
      label: `transfer-encoding ${JSON.stringify(value)}`,
      chunks: [rawRequestBytes('POST', path, [host, auth, json, ['transfer-encoding', value]], chunked(goodBody, [7], '', ''))],
      allow: ['timeout'] as 'timeout'[],
      timeoutMs: STALL_MS * 2,
    })),
  );

  const bodyBytes = fc.oneof<fc.Arbitrary<RawShape>[]>(
    fc.uint8Array({ minLength: 1, maxLength: 300 }).map((bytes) => ({ label: 'random bytes as JSON', chunks: [standard([], Buffer.from(bytes))] })),
    fc
      .constantFrom(
        {
          label: 'UTF-16LE JSON with BOM',
          body: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"model":"mock-images","prompt":"x","size":"8x8"}', 'utf16le')]),
        },
        { label: 'UTF-8 BOM', body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), goodBody]) },
        { label: 'NUL bytes around JSON', body: Buffer.concat([Buffer.alloc(3), goodBody, Buffer.alloc(3)]) },
        { label: 'overlong UTF-8 quote', body: Buffer.from([...Buffer.from('{"prompt":"'), 0xc0, 0xa2, ...Buffer.from('","model":"mock-images"}')]) },
        {
          label: 'encoded surrogate in a key',
          body: Buffer.from([...Buffer.from('{"'), 0xed, 0xa0, 0x80, ...Buffer.from('":1,"model":"mock-images","prompt":"x"}')]),
        },
      )
      .map(({ label, body }) => ({ label, chunks: [standard([], body)] })),
  );

  const framingTricks = fc.oneof<fc.Arbitrary<RawShape>[]>(
    fc.constant({ label: 'two pipelined requests', chunks: [Buffer.concat([standard([]), standard([])])] }),
    fc.constant({ label: 'request then garbage', chunks: [Buffer.concat([standard([]), Buffer.from('\x00\xff garbage\r\n\r\n', 'latin1')])] }),
    fc.integer({ min: 5, max: 40 }).map((pieces) => {
      const bytes = standard([]);
      const size = Math.ceil(bytes.length / pieces);
      return {
        label: `request in ${pieces} writes`,
        chunks: Array.from({ length: pieces }, (_, index) => bytes.subarray(index * size, (index + 1) * size)).filter((piece) => piece.length > 0),
      };
    }),
    fc.constant({
      label: 'only a request line, then FIN',
      chunks: [Buffer.from(`POST ${path} HTTP/1.1${CRLF}`)],
      endWrite: true,
      allow: ['closed'] as 'closed'[],
    }),
    fc.constant({
      label: 'headers never finished',
      chunks: [Buffer.from(`POST ${path} HTTP/1.1${CRLF}host: x${CRLF}`)],
      allow: ['timeout'] as 'timeout'[],
      timeoutMs: STALL_MS,
    }),
    fc.constant({
      label: 'TLS client hello on plain HTTP',
      chunks: [Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03])],
      allow: ['closed', 'timeout'] as ('closed' | 'timeout')[],
      timeoutMs: STALL_MS,
    }),
    fc.constant({
      label: 'HTTP/2 preface',
      chunks: [Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')],
      allow: ['closed', 'timeout'] as ('closed' | 'timeout')[],
      timeoutMs: STALL_MS,
    }),
  );

  // Clients that leave before their answer: the proxy must cancel the work (the upstream call, the stream) cleanly.
  const abandoned: fc.Arbitrary<RawShape> = fc
    .record({
      after: fc.integer({ min: 0, max: 60 }),
      body: fc.constantFrom(
        { model: 'mock-images', prompt: 'leaving', size: '64x64', n: 3 },
        { model: 'mock-images', prompt: 'leaving', size: '64x64', stream: true, partial_images: 3 },
        { model: 'openai-images', prompt: 'leaving' },
        { model: 'openai-images', prompt: 'leaving', stream: true },
      ),
    })
    .map(({ after, body }) => {
      const bytes = Buffer.from(JSON.stringify(body));
      return { label: `client leaves ${after} ms after sending ${JSON.stringify(body)}`, chunks: [standard([], bytes)], abandonAfterMs: after };
    });

  // No key, and a request target that tries to look like a key-free route, or to hide a keyed one.
  const keyless: fc.Arbitrary<RawShape> = fc
    .constantFrom(
      'http://127.0.0.1/v1/models',
      'http://127.0.0.1/health/liveliness/../../v1/models',
      '/health/liveliness/../../v1/models',
      '/health/liveliness/%2e%2e/%2e%2e/v1/models',
      '/./v1/models',
      '/health/liveliness#/v1/models',
      '/v1/models#/health/liveliness',
      '//health/liveliness',
      '/v1/models?/health/liveliness',
      '/spend',
      '/metrics',
    )
    .map((target) => ({ label: `no key, target ${target}`, chunks: [rawRequestBytes('GET', target, [host])], expect: unauthorized }));

  const shapes = fc.oneof(
    { weight: 5, arbitrary: headerJunk },
    { weight: 3, arbitrary: targetJunk },
    { weight: 1, arbitrary: methodJunk },
    { weight: 1, arbitrary: versionJunk },
    { weight: 3, arbitrary: lengthLies },
    { weight: 3, arbitrary: chunkedBodies },
    { weight: 2, arbitrary: bodyBytes },
    { weight: 2, arbitrary: framingTricks },
    { weight: 2, arbitrary: abandoned },
    { weight: 1, arbitrary: keyless },
  );
  return shapes.map((shape) =>
    printable<RawFuzzRequest>({
      via: 'raw',
      category: 'raw-socket',
      label: shape.label,
      imageRoute: true,
      head: shape.head,
      chunks: [...shape.chunks],
      endWrite: shape.endWrite ?? false,
      allow: [...(shape.allow ?? [])],
      timeoutMs: shape.timeoutMs ?? RAW_TIMEOUT_MS,
      abandonAfterMs: shape.abandonAfterMs,
      expect: shape.expect,
    }),
  );
}
