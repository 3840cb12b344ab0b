// Large upstream answers (256 KB and more) through the real proxy, over real HTTP, against a local upstream: an
// OpenAI-shaped answer is streamed through byte for byte (its last bytes held back until the whole answer checks
// out), a Bedrock Titan answer is rebuilt around its untouched image bytes; failures after the headers cut the body
// short and are logged with their error status, a client that leaves is logged as 499.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ImagesResponse } from '../../generated/canonical/types.js';
import { LARGE_ANSWER_BYTES } from '../../src/call/run-large-answer.js';
import { imageGeneration } from '../../src/image-generation.js';
import { buildProxy } from '../../src/proxy/server.js';
import type { SpendReport } from '../../src/proxy/spend-ledger.js';
import { Router } from '../../src/router/router.js';

const UPSTREAM_KEY = 'sk-upstream-test';
const TITAN_PATH = '/model/amazon.titan-image-generator-v2%3A0/invoke';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- prices, from the spec the proxy prices with ----

interface TokenRates {
  text_input: number;
  image_input: number;
  image_output: number;
}
const openAiModels = parse(readFileSync(new URL('../../spec/providers/openai/models.yaml', import.meta.url), 'utf8')) as {
  models: Record<string, { pricing: { per_million_tokens: TokenRates } }>;
};
const GPT_IMAGE_RATES = openAiModels.models['gpt-image-1']!.pricing.per_million_tokens;
const bedrockModels = parse(readFileSync(new URL('../../spec/providers/bedrock/models.yaml', import.meta.url), 'utf8')) as {
  models: Record<string, { pricing: { per_image: { table: Record<string, Record<string, number>> } } }>;
};
/** Titan, standard quality (the default), 1024x1024: per image. */
const TITAN_PRICE = bedrockModels.models['amazon.titan-image-generator-v2:0']!.pricing.per_image.table['standard']!['1024x1024']!;

const usage = { total_tokens: 16690, input_tokens: 50, output_tokens: 16640, input_tokens_details: { text_tokens: 50, image_tokens: 0 } };
/** The usage above at gpt-image-1's token prices (text input and image output tokens). */
const USAGE_COST =
  (usage.input_tokens_details.text_tokens * GPT_IMAGE_RATES.text_input + usage.output_tokens * GPT_IMAGE_RATES.image_output) / 1_000_000;

// ---- images ----

/** base64 of random bytes: 600,000 characters for the default size. */
const image = (bytes = 450_000) => randomBytes(bytes).toString('base64');
const images = [image(), image(), image(), image()];

/** An OpenAI answer as a provider might write it: indented, with a field the proxy does not know, slashes escaped. */
function openAiText(data: unknown[], extra: Record<string, unknown> = {}): string {
  const text = JSON.stringify({ created: 1700000000, background: 'opaque', provider_note: 'kept as sent', data, usage, ...extra }, null, 1);
  return text.replaceAll('/', '\\/');
}
const LARGE_OPENAI = Buffer.from(openAiText(images.map((b64_json) => ({ b64_json }))), 'utf8');

// ---- the upstream ----

interface UpstreamCall {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** performance.now() when its response closed (ended or destroyed). */
  closedAt?: number;
  closed: Promise<void>;
  writtenAt: number[];
}

type Answer = (res: ServerResponse, call: UpstreamCall) => void | Promise<void>;

const failing: Answer = (res) => {
  res.writeHead(500).end();
};
let answer: Answer = failing;
const upstreamCalls: UpstreamCall[] = [];
const upstreamSockets = new Set<Socket>();
let upstream: Server;
let upstreamUrl: string;

function startUpstream(): Promise<void> {
  upstream = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let closed!: () => void;
      const call: UpstreamCall = {
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
        closed: new Promise<void>((resolve) => (closed = resolve)),
        writtenAt: [],
      };
      res.on('close', () => {
        call.closedAt = performance.now();
        closed();
      });
      upstreamCalls.push(call);
      void Promise.resolve(answer(res, call)).catch((error: unknown) => res.destroy(error as Error));
    });
  });
  upstream.on('connection', (socket) => {
    upstreamSockets.add(socket);
    socket.on('close', () => upstreamSockets.delete(socket));
  });
  return new Promise((resolve) =>
    upstream.listen(0, '127.0.0.1', () => {
      upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
      resolve();
    }),
  );
}

/** Writes the body whole, with its content-length. */
const whole =
  (body: Buffer | string, status = 200): Answer =>
  (res) => {
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };

// ---- the proxy ----

const lines: Record<string, unknown>[] = [];
let app: ReturnType<typeof buildProxy>;
let proxyPort: number;

beforeAll(async () => {
  await startUpstream();
  const aws = {
    aws_access_key_id: 'AKIAIOSFODNN7EXAMPLE',
    aws_secret_access_key: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    aws_region_name: 'us-east-1',
  };
  const router = new Router({
    model_list: [
      {
        model_name: 'gpt-image',
        litellm_params: { model: 'openai/gpt-image-1', api_base: `${upstreamUrl}/v1`, api_key: UPSTREAM_KEY },
        model_info: { id: 'openai-1' },
      },
      {
        model_name: 'titan',
        litellm_params: { model: 'bedrock/amazon.titan-image-generator-v2:0', aws_bedrock_runtime_endpoint: upstreamUrl, ...aws },
        model_info: { id: 'titan-1' },
      },
    ],
    router_settings: { num_retries: 0 },
  });
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  app = buildProxy({
    router,
    logger,
    masterKey: undefined,
    allowClientSideCredentials: false,
    maxRequestSizeMb: 1,
    health: { draining: false },
    startedAtSeconds: 0,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  proxyPort = (app.server.address() as AddressInfo).port;
});

afterEach(() => {
  upstreamCalls.length = 0;
  answer = failing;
});

afterAll(async () => {
  await app?.close();
  for (const socket of upstreamSockets) socket.destroy();
  await new Promise((resolve) => upstream?.close(resolve));
});

// ---- the client ----

interface Received {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The whole message arrived (its content-length, or the chunked end). */
  complete: boolean;
  error: Error | undefined;
  /** performance.now() of each body chunk, with the bytes received by then. */
  arrivals: { at: number; bytes: number }[];
  destroyedAt?: number;
}

/** POSTs JSON to the proxy on a fresh connection; with leaveAfter, the client hangs up once it has that many body bytes. */
function post(path: string, payload: Record<string, unknown>, options: { leaveAfter?: number } = {}): Promise<Received> {
  const data = Buffer.from(JSON.stringify(payload));
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: '127.0.0.1',
      port: proxyPort,
      path,
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', 'content-length': data.length },
    });
    let answered = false;
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      const received: Received = {
        status: res.statusCode!,
        headers: res.headers,
        body: Buffer.alloc(0),
        complete: false,
        error: undefined,
        arrivals: [],
      };
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        bytes += chunk.length;
        received.arrivals.push({ at: performance.now(), bytes });
        if (options.leaveAfter !== undefined && bytes >= options.leaveAfter && received.destroyedAt === undefined) {
          received.destroyedAt = performance.now();
          req.destroy();
        }
      });
      res.on('error', (error) => (received.error = error));
      res.on('close', () => {
        received.body = Buffer.concat(chunks);
        received.complete = res.complete;
        resolve(received);
      });
    });
    req.end(data);
  });
}

const generate = (payload: Record<string, unknown>, options?: { leaveAfter?: number }) =>
  post('/v1/images/generations', { model: 'gpt-image', prompt: 'an otter', n: 4, ...payload }, options);
const titan = (payload: Record<string, unknown> = {}) =>
  post('/v1/images/generations', { model: 'titan', prompt: 'an otter', n: 4, size: '1024x1024', ...payload });

/** The proxy's request log line for an answer (by its call id). */
async function logLine(received: Received): Promise<Record<string, unknown>> {
  const callId = received.headers['x-imagegate-call-id'];
  expect(callId).toBeTypeOf('string');
  const find = () => lines.find((line) => line['msg'] === 'request' && line['call_id'] === callId);
  await expect.poll(find, { timeout: 5000 }).toBeDefined();
  return find()!;
}

async function spend(): Promise<SpendReport> {
  const answer = await app.inject({ url: '/spend' });
  expect(answer.statusCode).toBe(200);
  return answer.json<SpendReport>();
}

const isJson = (body: Buffer): boolean => {
  try {
    JSON.parse(body.toString('utf8'));
    return true;
  } catch {
    return false;
  }
};

const deploymentSpend = (report: SpendReport, id: string) => report.deployments[id] ?? { total_usd: 0, requests: 0 };

describe('large OpenAI-shaped answers', () => {
  it('reach the client byte for byte, priced from their usage once the last byte is in', async () => {
    answer = whole(LARGE_OPENAI);
    const before = deploymentSpend(await spend(), 'openai-1');
    const received = await generate({});
    expect(received.status).toBe(200);
    expect(received.complete).toBe(true);
    expect(received.error).toBeUndefined();
    expect(received.body.length).toBe(LARGE_OPENAI.length);
    expect(received.body.equals(LARGE_OPENAI)).toBe(true);
    expect(received.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(received.headers['content-length']).toBe(String(LARGE_OPENAI.length));
    expect(received.headers['x-imagegate-model-id']).toBe('openai-1');
    expect(received.headers['x-imagegate-provider']).toBe('openai');
    // Its cost is known only after the headers went out.
    expect(received.headers['x-imagegate-response-cost']).toBeUndefined();
    expect(await logLine(received)).toMatchObject({ status: 200, model_group: 'gpt-image', deployment_id: 'openai-1', provider: 'openai' });
    expect(upstreamCalls).toHaveLength(1);
    expect(upstreamCalls[0]!.path).toBe('/v1/images/generations');
    expect(upstreamCalls[0]!.headers['authorization']).toBe(`Bearer ${UPSTREAM_KEY}`);

    const after = deploymentSpend(await spend(), 'openai-1');
    expect(after.requests).toBe(before.requests + 1);
    expect(USAGE_COST).toBeGreaterThan(0);
    expect(after.total_usd - before.total_usd).toBeCloseTo(USAGE_COST, 9);
    // The SDK, parsing the same answer from the same upstream, prices it the same.
    const sdk = await imageGeneration({
      model: 'openai/gpt-image-1',
      prompt: 'an otter',
      n: 4,
      api_base: `${upstreamUrl}/v1`,
      api_key: UPSTREAM_KEY,
    });
    expect(sdk.data.map((item) => item.b64_json)).toEqual(images);
    expect(sdk._hidden_params.response_cost).toBeCloseTo(after.total_usd - before.total_usd, 12);
  });

  it('stream through: the client has the first bytes before the upstream has sent the rest', async () => {
    const split = 1024 * 1024;
    answer = async (res, call) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(LARGE_OPENAI.subarray(0, split));
      await sleep(500);
      call.writtenAt.push(performance.now());
      res.end(LARGE_OPENAI.subarray(split));
    };
    const received = await generate({});
    expect(received.status).toBe(200);
    expect(received.complete).toBe(true);
    expect(received.body.equals(LARGE_OPENAI)).toBe(true);
    // No content-length from the upstream: none forwarded (chunked).
    expect(received.headers['content-length']).toBeUndefined();
    const secondPartAt = upstreamCalls[0]!.writtenAt[0]!;
    const early = received.arrivals.filter((arrival) => arrival.at < secondPartAt);
    expect(early.length).toBeGreaterThan(0);
    // Past the 256 KB read before deciding, and most of the first part: only the last chunk read is held back.
    expect(early.at(-1)!.bytes).toBeGreaterThan(LARGE_ANSWER_BYTES);
    expect(early.at(-1)!.bytes).toBeGreaterThan(split / 2);
    expect(early.at(-1)!.bytes).toBeLessThan(split);
    expect(await logLine(received)).toMatchObject({ status: 200 });
  });

  it('cut short by the upstream after the image started: the client gets a body cut short too, logged as a 502', async () => {
    answer = async (res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': LARGE_OPENAI.length });
      // Handed to the kernel before the socket goes: the proxy gets all of the first half, then the connection drops.
      await new Promise((resolve) => res.write(LARGE_OPENAI.subarray(0, LARGE_OPENAI.length / 2), resolve));
      await sleep(100);
      res.socket?.destroy();
    };
    const received = await generate({});
    expect(received.status).toBe(200);
    expect(received.headers['content-length']).toBe(String(LARGE_OPENAI.length));
    expect(received.complete).toBe(false);
    expect(received.body.length).toBeLessThan(LARGE_OPENAI.length);
    expect(received.body.length).toBeGreaterThan(LARGE_ANSWER_BYTES);
    expect(received.body.equals(LARGE_OPENAI.subarray(0, received.body.length))).toBe(true);
    expect(isJson(received.body)).toBe(false);
    const line = await logLine(received);
    expect(line).toMatchObject({ status: 502, deployment_id: 'openai-1', error: { type: 'api_connection_error' } });
    // The proxy still answers.
    answer = whole(LARGE_OPENAI);
    expect((await generate({})).body.equals(LARGE_OPENAI)).toBe(true);
  });

  it.each([
    ['a missing closing brace', LARGE_OPENAI.subarray(0, LARGE_OPENAI.lastIndexOf('}'))],
    ['garbage after the end', Buffer.concat([LARGE_OPENAI, Buffer.from('\n{"garbage": tru')])],
    ['an unsafe image URL after the first image', Buffer.from(openAiText([{ b64_json: images[0] }, { url: 'javascript:alert(1)' }]), 'utf8')],
  ])('malformed at the end (%s): the held-back last bytes are never sent, logged as a 502', async (_what, body) => {
    answer = async (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(body.subarray(0, 700_000));
      await sleep(50);
      res.end(body.subarray(700_000));
    };
    const received = await generate({});
    expect(received.status).toBe(200);
    expect(received.complete).toBe(false);
    expect(received.body.length).toBeLessThan(body.length);
    expect(received.body.equals(body.subarray(0, received.body.length))).toBe(true);
    expect(isJson(received.body)).toBe(false);
    const line = await logLine(received);
    expect(line).toMatchObject({ status: 502, error: { type: 'api_error', code: 'bad_upstream_response' } });
  });

  it.each([
    ['a top-level error', { error: { message: 'The image could not be made.', type: 'server_error', code: 'oops' } }],
    ['no images', { data: [] }],
    ['only URLs', { data: [{ url: 'not a url' }] }],
  ])('with %s are answered as the small answer with the same body would be', async (_what, shape) => {
    const small = Buffer.from(JSON.stringify({ created: 1700000000, ...shape, padding: 'x' }));
    const large = Buffer.from(JSON.stringify({ created: 1700000000, ...shape, padding: 'x'.repeat(LARGE_ANSWER_BYTES + 1000) }));
    answer = whole(small);
    const expected = await generate({});
    answer = whole(large);
    const received = await generate({});
    expect(expected.status).toBe(502);
    expect(received.status).toBe(expected.status);
    expect(received.complete).toBe(true);
    expect(JSON.parse(received.body.toString('utf8'))).toEqual(JSON.parse(expected.body.toString('utf8')));
    expect(JSON.parse(received.body.toString('utf8'))).toMatchObject({ error: { type: 'api_error', code: 'bad_upstream_response' } });
    expect(await logLine(received)).toMatchObject({ status: 502 });
  });

  it('with a top-level error beside the images are parsed, as the small answer would be, not streamed through', async () => {
    const error = { message: 'partly failed', type: 'server_error' };
    answer = whole(JSON.stringify({ created: 1700000000, error, data: [{ b64_json: 'c21hbGw=' }], usage }));
    const expected = await generate({});
    answer = whole(JSON.stringify({ created: 1700000000, error, data: [{ b64_json: images[0] }], usage }));
    const received = await generate({});
    expect(received.status).toBe(expected.status);
    expect(received.headers['x-imagegate-response-cost']).toBe(expected.headers['x-imagegate-response-cost']);
    const body = JSON.parse(received.body.toString('utf8')) as ImagesResponse & Record<string, unknown>;
    expect(Object.keys(body)).toEqual(Object.keys(JSON.parse(expected.body.toString('utf8')) as object));
    expect(body.data.map((item) => item.b64_json)).toEqual([images[0]]);
  });

  it('a client that leaves mid-answer closes the upstream request at once, logged as 499', async () => {
    answer = async (res, call) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(LARGE_OPENAI.subarray(0, 1024 * 1024));
      // Holds the rest until the proxy hangs up (bounded, so a failing test does not hang).
      await Promise.race([call.closed, sleep(10_000)]);
      if (!res.destroyed) res.end(LARGE_OPENAI.subarray(1024 * 1024));
    };
    const before = deploymentSpend(await spend(), 'openai-1');
    const received = await generate({}, { leaveAfter: 300 * 1024 });
    expect(received.destroyedAt).toBeDefined();
    expect(received.complete).toBe(false);
    await Promise.race([upstreamCalls[0]!.closed, sleep(3000)]);
    expect(upstreamCalls[0]!.closedAt).toBeDefined();
    expect(upstreamCalls[0]!.closedAt! - received.destroyedAt!).toBeLessThan(1000);
    expect(await logLine(received)).toMatchObject({ status: 499, error: { type: 'client_closed_request' } });
    const after = deploymentSpend(await spend(), 'openai-1');
    expect(after.total_usd).toBe(before.total_usd);
  });
});

describe('large Bedrock Titan answers', () => {
  /** One image's slashes escaped, as some JSON writers do: the proxy must splice those bytes in as they are. */
  const titanBody = Buffer.from(
    JSON.stringify({ images: [images[0]!.replaceAll('/', '\\/'), ...images.slice(1)], error: null }).replaceAll('\\\\/', '\\/'),
  );

  it('are rebuilt around the untouched image bytes, with a content-length and a cost header', async () => {
    expect(JSON.parse(titanBody.toString('utf8'))).toEqual({ images, error: null });
    answer = whole(titanBody);
    const before = deploymentSpend(await spend(), 'titan-1');
    const received = await titan();
    expect(received.status).toBe(200);
    expect(received.complete).toBe(true);
    expect(upstreamCalls[0]!.path).toBe(TITAN_PATH);
    expect(upstreamCalls[0]!.headers['authorization']).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\//);
    expect(received.headers['content-length']).toBe(String(received.body.length));
    const body = JSON.parse(received.body.toString('utf8')) as ImagesResponse;
    expect(body.data.map((item) => item.b64_json)).toEqual(images);
    expect(typeof body.created).toBe('number');
    // The escaped image went out with its escapes: spliced in, not parsed and re-serialised.
    expect(received.body.includes(Buffer.from(images[0]!.replaceAll('/', '\\/').slice(0, 4000)))).toBe(images[0]!.includes('/'));
    expect(Number(received.headers['x-imagegate-response-cost'])).toBeCloseTo(4 * TITAN_PRICE, 12);
    expect(await logLine(received)).toMatchObject({ status: 200, deployment_id: 'titan-1', provider: 'bedrock' });
    const after = deploymentSpend(await spend(), 'titan-1');
    expect(after.total_usd - before.total_usd).toBeCloseTo(4 * TITAN_PRICE, 12);
  });

  it("answer response_format url with data: URLs of Titan's media type", async () => {
    answer = whole(titanBody);
    const received = await titan({ response_format: 'url' });
    expect(received.status).toBe(200);
    expect(received.headers['content-length']).toBe(String(received.body.length));
    const body = JSON.parse(received.body.toString('utf8')) as ImagesResponse;
    expect(body.data.map((item) => item.url)).toEqual(images.map((b64) => `data:image/png;base64,${b64}`));
    expect(body.data.every((item) => item.b64_json === undefined)).toBe(true);
    expect(received.headers['x-imagegate-response-cost']).toBeDefined();
  });

  it('cut short (not complete JSON) are a 502 before any byte of a body', async () => {
    answer = whole(titanBody.subarray(0, titanBody.length - 20));
    const received = await titan();
    expect(received.status).toBe(502);
    expect(JSON.parse(received.body.toString('utf8'))).toMatchObject({ error: { code: 'bad_upstream_response' } });
  });
});

describe('small answers', () => {
  it('still take the parsed path, with a cost header', async () => {
    const small = Buffer.from(openAiText([{ b64_json: image(3000) }]));
    expect(small.length).toBeLessThan(LARGE_ANSWER_BYTES);
    answer = whole(small);
    const received = await generate({ n: 1 });
    expect(received.status).toBe(200);
    expect(Number(received.headers['x-imagegate-response-cost'])).toBeCloseTo(USAGE_COST, 12);
    // Re-serialised: the unknown field is gone, the escapes and indentation too.
    expect(received.body.equals(small)).toBe(false);
    expect(JSON.parse(received.body.toString('utf8'))).toEqual({
      created: 1700000000,
      background: 'opaque',
      data: JSON.parse(small.toString('utf8')).data,
      usage,
    });
  });
});
