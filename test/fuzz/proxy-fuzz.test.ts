// Fuzzing the running proxy: thousands of generated hostile requests (fast-check) over real sockets against the real
// Router and fastify app in this process — wrong-typed and random JSON, huge numbers and strings, deep nesting,
// __proto__/constructor keys, invalid UTF-8, wrong content types, broken multipart, absurd headers, lying
// Content-Lengths, truncated and chunked bodies, unknown routes and methods, missing and wrong keys.
//
// Every answer must be a 4xx in the OpenAI error envelope or a success of the right shape (fuzz/check-answer.ts);
// never a 5xx, never silence unless the request makes silence right (a body that never arrives). At the end the
// proxy still serves a normal request, no prototype was polluted, the heap did not grow with the traffic, and no
// configured credential appears in any answer or log line.
//
// A failure prints the request and fast-check's seed; FUZZ_SEED=<seed> replays the run. FUZZ_SCALE=<n> sends n times
// as many requests per category (a longer hunt; the test timeouts grow with it).
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imagesResponseProblems, secretScanner } from './check-answer.js';
import { startFuzzProxy, type FuzzProxy } from './fuzz-proxy.js';
import { FuzzLedger } from './fuzz-ledger.js';
import { createSender, type FuzzRequest } from './fuzz-request.js';
import { POLLUTION_CANARY } from './hostile-values.js';
import {
  authRequest,
  contentTypeRequest,
  jsonEditRequest,
  jsonGenerationRequest,
  multipartEditRequest,
  otherRouteRequest,
  rawSocketRequest,
} from './request-arbitraries.js';

v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Requests in flight at once: enough to overlap work in the proxy, few enough for a shared 2-core machine. */
const BATCH = 12;
/** Raw-socket batches are wider: some requests wait out a stall on purpose, and a batch lasts as long as its slowest. */
const RAW_BATCH = 24;
const MIN_REQUESTS = 5000;
/** Heap growth allowed between the warm-up and the end (caches filling, JIT, allocator slack). */
const HEAP_MARGIN_BYTES = 16 * 1024 * 1024;
const SEED = process.env['FUZZ_SEED'] === undefined ? undefined : Number(process.env['FUZZ_SEED']);
const SCALE = Math.max(1, Number(process.env['FUZZ_SCALE'] ?? 1));
const CATEGORY_TIMEOUT_MS = 200_000 * SCALE;

/** The categories of hostile requests and how many of each one run sends (5,420 in all, plus the warm-up). */
const CATEGORIES: { title: string; arbitrary: (key: string) => fc.Arbitrary<FuzzRequest>; count: number; width?: number }[] = [
  {
    title: 'JSON generations: valid-looking requests mutated with wrong types, huge values, prototype keys, junk bodies',
    arbitrary: jsonGenerationRequest,
    count: 1700,
  },
  { title: 'JSON edits: images as base64, data: URLs, lies, junk and wrong types', arbitrary: jsonEditRequest, count: 800 },
  {
    title: 'multipart edits: bad boundaries, odd part names and headers, huge fields and files, truncated forms',
    arbitrary: multipartEditRequest,
    count: 1000,
  },
  { title: 'content types: foreign, odd and missing', arbitrary: contentTypeRequest, count: 360 },
  { title: 'auth: every form of the key, none, and wrong ones', arbitrary: authRequest, count: 300 },
  {
    title: 'raw sockets: invalid bytes, absurd headers, lying lengths, chunked and truncated bodies, odd methods and targets, clients that leave',
    arbitrary: rawSocketRequest,
    count: 900,
    width: RAW_BATCH,
  },
  { title: 'other routes and methods: models, spend, metrics, health, near misses, unknown paths', arbitrary: otherRouteRequest, count: 360 },
];

/** Prototypes a polluting request could reach: each must end the run with exactly the properties it started with. */
const PROTOTYPES: [string, object][] = [
  ['Object.prototype', Object.prototype],
  ['Array.prototype', Array.prototype],
  ['Function.prototype', Function.prototype],
  ['String.prototype', String.prototype],
  ['Number.prototype', Number.prototype],
  ['Boolean.prototype', Boolean.prototype],
  ['Promise.prototype', Promise.prototype],
  ['Error.prototype', Error.prototype],
  ['RegExp.prototype', RegExp.prototype],
  ['Map.prototype', Map.prototype],
  ['Uint8Array.prototype', Uint8Array.prototype],
  ['Buffer.prototype', Buffer.prototype],
];

type Snapshot = Map<string, Map<PropertyKey, PropertyDescriptor>>;

function snapshotPrototypes(): Snapshot {
  const snapshot: Snapshot = new Map();
  for (const [name, prototype] of PROTOTYPES) {
    const properties = new Map<PropertyKey, PropertyDescriptor>();
    for (const key of Reflect.ownKeys(prototype)) properties.set(key, Object.getOwnPropertyDescriptor(prototype, key)!);
    snapshot.set(name, properties);
  }
  return snapshot;
}

const sameProperty = (a: PropertyDescriptor, b: PropertyDescriptor): boolean => a.value === b.value && a.get === b.get && a.set === b.set;

function pollution(before: Snapshot, after: Snapshot): string[] {
  const changes: string[] = [];
  for (const [name, properties] of after) {
    const previous = before.get(name)!;
    for (const [key, descriptor] of properties) {
      const earlier = previous.get(key);
      if (earlier === undefined) changes.push(`${name}.${String(key)} was added`);
      else if (!sameProperty(earlier, descriptor)) changes.push(`${name}.${String(key)} was replaced`);
    }
    for (const key of previous.keys()) if (!properties.has(key)) changes.push(`${name}.${String(key)} was deleted`);
  }
  return changes;
}

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('proxy fuzzing', () => {
  let proxy: FuzzProxy;
  let ledger: FuzzLedger;
  let sender: ReturnType<typeof createSender>;
  let prototypesBefore: Snapshot;
  let heapAfterWarmUp = 0;
  let bytesAtWarmUp = 0;
  let sentAtWarmUp = 0;

  beforeAll(async () => {
    prototypesBefore = snapshotPrototypes();
    // The ledger needs the secrets and the proxy needs the ledger's log sink: lines before the ledger exists are kept.
    const early: string[] = [];
    let sink: (line: string) => void = (line) => void early.push(line);
    proxy = await startFuzzProxy({ logLevel: 'debug', onLog: (line) => sink(line) });
    ledger = new FuzzLedger(proxy.secrets);
    for (const line of early) ledger.logLine(line);
    sink = (line) => ledger.logLine(line);
    sender = createSender(proxy.host, proxy.port);
  });

  afterAll(async () => {
    console.log(`proxy fuzz: ${ledger?.summary()}`);
    await sender?.close();
    await proxy?.close();
  });

  /** Sends `batches` batches of `width` generated requests at once; every answer is checked and tallied. */
  async function fuzzBatches(arbitrary: fc.Arbitrary<FuzzRequest>, batches: number, width = BATCH): Promise<void> {
    const property = fc.asyncProperty(fc.array(arbitrary, { minLength: width, maxLength: width }), async (batch) => {
      const answers = await Promise.all(batch.map((fuzzed) => sender.send(fuzzed)));
      const problems = batch.flatMap((fuzzed, index) => ledger.record(fuzzed, answers[index]!));
      if (problems.length > 0) throw new Error(`${problems.length} wrong answer(s):\n  ${problems.join('\n  ')}`);
    });
    try {
      // Shrinking re-sends requests; the time limit keeps a failing run from shrinking past the test's timeout.
      await fc.assert(property, {
        numRuns: batches,
        seed: SEED,
        interruptAfterTimeLimit: CATEGORY_TIMEOUT_MS - 50_000,
        markInterruptAsFailure: true,
      });
    } catch (error) {
      // The report (seed, counterexample, problems) without fast-check's references to megabytes of request bodies,
      // which would otherwise stay on the heap and fail the heap check too.
      const { message, cause } = error as Error;
      throw new Error(cause instanceof Error ? `${message}\nCaused by: ${cause.message}` : message);
    }
  }

  /** Sends about `count` (times FUZZ_SCALE) generated requests. */
  const fuzz = (arbitrary: fc.Arbitrary<FuzzRequest>, count: number, width = BATCH) =>
    fuzzBatches(arbitrary, Math.ceil((count * SCALE) / width), width);

  it('warms up on every category, then takes the heap baseline', { timeout: CATEGORY_TIMEOUT_MS }, async () => {
    try {
      for (const { arbitrary } of CATEGORIES) await fuzzBatches(arbitrary(proxy.masterKey), 5);
    } finally {
      // Taken even when the warm-up found a wrong answer, so the heap check still means something.
      sentAtWarmUp = ledger.sent;
      bytesAtWarmUp = ledger.bytesSent;
      heapAfterWarmUp = heapUsed();
    }
  });

  for (const { title, arbitrary, count, width } of CATEGORIES) {
    it(`${title} (${count * SCALE} requests)`, { timeout: CATEGORY_TIMEOUT_MS }, () => fuzz(arbitrary(proxy.masterKey), count, width));
  }

  it(`sent at least ${MIN_REQUESTS} hostile requests, every category included`, () => {
    expect(ledger.sent).toBeGreaterThanOrEqual(MIN_REQUESTS);
    for (const category of ['json-generation', 'json-edit', 'multipart-edit', 'content-type', 'auth', 'raw-socket', 'other-routes']) {
      expect(ledger.byCategory[category] ?? 0, category).toBeGreaterThanOrEqual(300);
    }
    // The mix reached every layer: successes, validation errors, 401s, 404s, 413s and 415s all came back.
    for (const status of ['200', '400', '401', '404', '413', '415'])
      expect(ledger.byOutcome[status] ?? 0, `answers with status ${status}`).toBeGreaterThan(0);
    // The OpenAI deployment was exercised, always with its own key.
    expect(proxy.upstream.stats.requests).toBeGreaterThan(50);
    expect(proxy.upstream.stats.wrongKey).toBe(0);
  });

  it('still serves a normal request afterwards', async () => {
    const response = await request(`${proxy.url}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${proxy.masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-images', prompt: 'still alive', size: '16x16' }),
    });
    const body = Buffer.from(await response.body.arrayBuffer());
    expect(response.statusCode, body.toString()).toBe(200);
    expect(imagesResponseProblems(body)).toEqual([]);
  });

  it('polluted no prototype', () => {
    expect(pollution(prototypesBefore, snapshotPrototypes())).toEqual([]);
    expect(({} as Record<string, unknown>)[POLLUTION_CANARY]).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, POLLUTION_CANARY)).toBe(false);
    expect(POLLUTION_CANARY in globalThis).toBe(false);
  });

  it('kept the heap stable: no growth with the traffic after the warm-up', () => {
    const growth = heapUsed() - heapAfterWarmUp;
    const sentSince = ledger.sent - sentAtWarmUp;
    const bytesSince = ledger.bytesSent - bytesAtWarmUp;
    console.log(
      `proxy fuzz heap: ${Math.round(growth / 1e5) / 10} MB growth over ${sentSince} requests carrying ${Math.round(bytesSince / 1e5) / 10} MB`,
    );
    // Meaningful only if keeping what the requests carried would have broken the margin several times over.
    expect(bytesSince).toBeGreaterThan(3 * HEAP_MARGIN_BYTES);
    expect(growth).toBeLessThan(HEAP_MARGIN_BYTES);
  });

  it('leaked no credential into any answer or log line', () => {
    // The scan can fail: it finds each secret in the forms it may take.
    const scanner = secretScanner(proxy.secrets);
    expect(scanner.scan(`x Bearer ${proxy.masterKey} x`)).not.toEqual([]);
    expect(scanner.scan(JSON.stringify({ rawPacket: Buffer.from(`authorization: Bearer ${proxy.masterKey}\r\n`) }))).not.toEqual([]);
    expect(scanner.scan(Buffer.from(`k=${proxy.secrets['upstream api key']}`).toString('base64'))).not.toEqual([]);
    expect(ledger.logLines).toBeGreaterThan(ledger.sent * 0.8);
    expect(ledger.leaks).toEqual([]);
  });

  it('logged only well-formed lines of bounded size, none of them an internal error', () => {
    expect(ledger.malformedLogLines).toEqual([]);
    expect(ledger.errorLogLines).toEqual([]);
    expect(ledger.oversizedLogLines).toEqual([]);
  });
});
