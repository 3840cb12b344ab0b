// What the proxy fuzzer found, one focused test each: every bug it found stays fixed here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelopeProblems, secretScanner } from './check-answer.js';
import { startFuzzProxy, type FuzzProxy } from './fuzz-proxy.js';
import { SMALL_PNG } from './hostile-values.js';
import { filePart, multipartBody, textPart, type FormPart } from './multipart-body.js';
import { encodeRequest, keepAliveExchange, rawExchange, type RawOutcome } from './raw-http.js';

let proxy: FuzzProxy;
/** Every log line since the last reset. */
let logLines: string[] = [];

beforeAll(async () => {
  proxy = await startFuzzProxy({ logLevel: 'trace', onLog: (line) => void logLines.push(line) });
});

afterAll(async () => {
  await proxy?.close();
});

const host: [string, string] = ['host', '127.0.0.1'];
const auth = (): [string, string] => ['authorization', `Bearer ${proxy.masterKey}`];

function multipartEdit(parts: FormPart[]): Buffer {
  const body = multipartBody({ boundary: 'regression', parts, closing: true });
  return encodeRequest({
    method: 'POST',
    target: '/v1/images/edits',
    headers: [host, auth(), ['content-type', 'multipart/form-data; boundary=regression'], ['content-length', String(body.length)]],
    body,
  });
}

function jsonPost(target: string, value: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(value));
  return encodeRequest({
    method: 'POST',
    target,
    headers: [host, auth(), ['content-type', 'application/json'], ['content-length', String(body.length)]],
    body,
  });
}

const status = (outcome: RawOutcome | undefined): number | string =>
  outcome === undefined ? 'none' : outcome.kind === 'response' ? outcome.status : outcome.kind;

describe('fixed: a multipart body refused half-way leaves its keep-alive connection usable', () => {
  // Before the fix (src/proxy/multipart-edit.ts discardRestOfBody), the rest of such a body was never read, and the
  // next request on the same connection never got an answer. A large file after the refused part keeps the body
  // unread when the refusal comes.
  const rest = filePart('image', Buffer.alloc(300_000, 7));
  it.each<[string, FormPart[]]>([
    ['an unexpected file part', [textPart('model', 'mock-images'), filePart('weird', SMALL_PNG), rest]],
    ['a field sent twice', [textPart('prompt', 'a'), textPart('prompt', 'b'), rest]],
    ['the image sent as a text field', [textPart('image', 'not a file'), rest]],
    ['a field over 128 KB', [textPart('prompt', 'p'.repeat(140_000)), rest]],
    ['a second mask', [filePart('mask', SMALL_PNG), filePart('mask', SMALL_PNG), rest]],
  ])('after %s', async (_label, parts) => {
    const models = encodeRequest({ method: 'GET', target: '/v1/models', headers: [host, auth()] });
    const outcomes = await keepAliveExchange(proxy.host, proxy.port, [multipartEdit(parts), models], 5000);
    expect(outcomes.map(status)).toEqual([400, 200]);
  });
});

describe('fixed: an error answer, and its log line, quote what the client sent only in part', () => {
  // Before the fix (src/proxy/error-reply.ts envelope), a 500 KB model name came back as a 500 KB message and was
  // logged as a 500 KB line; a credential-shaped key twice over (message and param).
  const huge = 'x'.repeat(500_000);
  it.each<[string, string, Record<string, unknown>, string]>([
    ['an unknown model', '/v1/images/generations', { model: huge, prompt: 'x' }, 'The model "xxx'],
    [
      'a credential-shaped key',
      '/v1/images/generations',
      { model: 'mock-images', prompt: 'x', [`aws_${huge}`]: 1 },
      'This proxy does not accept credentials',
    ],
    [
      'a value the model refuses',
      '/v1/images/generations',
      { model: 'openai-images', prompt: 'x', quality: huge },
      'OpenAI model gpt-image-1: quality="xxx',
    ],
  ])('%s', async (_label, target, body, start) => {
    logLines = [];
    const outcome = await rawExchange({ host: proxy.host, port: proxy.port, chunks: [jsonPost(target, body)], endWrite: false, timeoutMs: 10_000 });
    if (outcome.kind !== 'response') throw new Error(`no answer: ${outcome.kind}`);
    expect(outcome.status).toBeGreaterThanOrEqual(400);
    expect(envelopeProblems(outcome.body)).toEqual([]);
    expect(outcome.body.length).toBeLessThan(3000);
    const { error } = JSON.parse(outcome.body.toString('utf8')) as { error: { message: string; param: string | null } };
    expect(error.message.startsWith(start)).toBe(true);
    expect(error.message).toMatch(/… \[\d+ characters omitted\] …/);
    expect(error.param?.length ?? 0).toBeLessThanOrEqual(200);
    await expect.poll(() => logLines.some((line) => line.includes('"msg":"request"'))).toBe(true);
    expect(Math.max(...logLines.map((line) => line.length))).toBeLessThan(4000);
  });
});

describe('fixed: requests that never reach a route', () => {
  it('the base64 check of a JSON edit image takes linear time, whitespace runs included', async () => {
    // It was /^[A-Za-z0-9+/\s]*={0,2}\s*$/, which backtracked over every split of a whitespace run: 25,000 spaces and a
    // "!" blocked the event loop for seconds.
    const timed = async (image: string) => {
      const started = performance.now();
      const outcome = await rawExchange({
        host: proxy.host,
        port: proxy.port,
        chunks: [jsonPost('/v1/images/edits', { model: 'mock-images', prompt: 'x', image })],
        endWrite: false,
        timeoutMs: 60_000,
      });
      return { status: status(outcome), ms: performance.now() - started };
    };
    const letters = await timed(`${'A'.repeat(25_000)}!`);
    const spaces = await timed(`${' '.repeat(200_000)}!`);
    expect([letters.status, spaces.status]).toEqual([400, 400]);
    expect(spaces.ms).toBeLessThan(1_000);
  }, 90_000);

  // Each of these used to be answered by fastify or Node in a shape of their own (or an empty body).
  it.each<[string, () => Buffer, number]>([
    ['a header Node refuses', () => encodeRequest({ method: 'GET', target: '/v1/models', headers: [host, auth(), ['x-bad', Buffer.from([0x01])]] }), 400],
    ['a malformed percent-encoding in the path', () => jsonPost('/openai/deployments/%E0%A4%A/images/generations', { prompt: 'x' }), 400],
    ['a deployment name over the path limit', () => jsonPost(`/openai/deployments/${'d'.repeat(600)}/images/generations`, { prompt: 'x' }), 414],
    ['an unknown deployment name of 150 characters', () => jsonPost(`/openai/deployments/${'d'.repeat(150)}/images/generations`, { prompt: 'x' }), 404],
    ['an unknown Expect header', () => encodeRequest({ method: 'GET', target: '/v1/models', headers: [host, auth(), ['expect', 'something-else']] }), 417],
  ])('%s is answered in the OpenAI envelope', async (_what, bytes, expected) => {
    const outcome = await rawExchange({ host: proxy.host, port: proxy.port, chunks: [bytes()], endWrite: false, timeoutMs: 10_000 });
    if (outcome.kind !== 'response') throw new Error(`no answer: ${outcome.kind}`);
    expect(outcome.status).toBe(expected);
    expect(outcome.headers['content-type']?.[0]).toMatch(/^application\/json/);
    expect(envelopeProblems(outcome.body)).toEqual([]);
  });

  it('a request without Host is served', async () => {
    const outcome = await rawExchange({
      host: proxy.host,
      port: proxy.port,
      chunks: [encodeRequest({ method: 'GET', target: '/v1/models', headers: [auth()] })],
      endWrite: false,
      timeoutMs: 10_000,
    });
    expect(status(outcome)).toBe(200);
  });

  it('at log level trace, the proxy key is never logged (busboy options, a refused request\'s raw bytes)', async () => {
    logLines = [];
    const edit = await rawExchange({
      host: proxy.host,
      port: proxy.port,
      chunks: [multipartEdit([textPart('model', 'mock-images'), textPart('prompt', 'x'), textPart('size', '8x8'), filePart('image', SMALL_PNG)])],
      endWrite: false,
      timeoutMs: 10_000,
    });
    const refused = await rawExchange({
      host: proxy.host,
      port: proxy.port,
      chunks: [encodeRequest({ method: 'GET', target: '/v1/models', headers: [host, auth(), ['x-bad', Buffer.from([0x01])]] })],
      endWrite: false,
      timeoutMs: 10_000,
    });
    expect([status(edit), status(refused)]).toEqual([200, 400]);
    // The trace lines that used to carry the key are still written, redacted.
    expect(logLines.some((line) => line.includes('"busboyOptions"'))).toBe(true);
    const scanner = secretScanner({ 'master key': proxy.masterKey });
    expect(logLines.filter((line) => scanner.scan(line).length > 0)).toEqual([]);
  });
});
