// The router as a client of the proxy sees it: the built CLI in its own process, driven by the official
// openai client (maxRetries: 0, so every retry and fallback measured here is the proxy's own), in front of
// local recording servers and the offline mock provider. Routing is observed through x-imagegate-* headers
// and what each upstream received.
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { proxy, upstream } from './helpers/lifecycle.js';
import { defaultImageResponse, type CannedResponse, type RecordingServer } from '../helpers/recording-server.js';

function client(proxyUrl: string): OpenAI {
  return new OpenAI({ baseURL: `${proxyUrl}/v1`, apiKey: 'client-key', maxRetries: 0 });
}

/** An OpenAI-shaped deployment on a recording server. */
function openaiParams(server: RecordingServer, extra = ''): string {
  return `{ model: openai/gpt-image-1, api_base: "${server.url}/v1", api_key: sk-test${extra} }`;
}

function upstreamError(status: number, message: string, headers?: Record<string, string>): CannedResponse {
  return { status, body: { error: { message, type: 'server_error', param: null, code: null } }, ...(headers === undefined ? {} : { headers }) };
}

interface Served {
  headers: Headers;
  data: OpenAI.Images.ImagesResponse;
  ms: number;
}

async function generate(api: OpenAI, model: string): Promise<Served> {
  const started = performance.now();
  const { data, response } = await api.images.generate({ model, prompt: 'a lighthouse at dusk' }).withResponse();
  return { headers: response.headers, data, ms: performance.now() - started };
}

async function generateFailure(api: OpenAI, model: string): Promise<{ error: InstanceType<typeof OpenAI.APIError>; ms: number }> {
  const started = performance.now();
  try {
    const served = await generate(api, model);
    throw new Error(`expected an error, got ${served.headers.get('x-imagegate-model-id')} with ${JSON.stringify(served.data)}`);
  } catch (error) {
    if (!(error instanceof OpenAI.APIError)) throw error;
    return { error, ms: performance.now() - started };
  }
}

const modelId = (served: Served): string | null => served.headers.get('x-imagegate-model-id');

describe('proxy routing (e2e)', () => {
  it('splits traffic by weight under simple-shuffle', async () => {
    const server = await upstream();
    const { url } = await proxy(`
model_list:
  - model_name: images
    litellm_params: ${openaiParams(server, ', weight: 1')}
    model_info: { id: light }
  - model_name: images
    litellm_params: ${openaiParams(server, ', weight: 3')}
    model_info: { id: heavy }
`);
    const api = client(url);
    const total = 400;
    const ids: (string | null)[] = [];
    for (let batch = 0; batch < total / 20; batch++) {
      const served = await Promise.all(Array.from({ length: 20 }, () => generate(api, 'images')));
      ids.push(...served.map(modelId));
    }
    const light = ids.filter((id) => id === 'light').length;
    const heavy = ids.filter((id) => id === 'heavy').length;
    expect(light + heavy).toBe(total);
    // Expected share of "light" is 25%; ±7 points is more than 6 standard deviations at n = 400.
    expect(light / total).toBeGreaterThan(0.18);
    expect(light / total).toBeLessThan(0.32);
    expect(server.requests).toHaveLength(total);
  });

  it('sends the next request to the idle deployment while one is busy (least-busy)', async () => {
    const server = await upstream();
    // The first request hangs for a while; later ones answer at once.
    server.respond(() => (server.requests.length === 1 ? { ...defaultImageResponse, delayMs: 2500 } : defaultImageResponse));
    const { url } = await proxy(`
router_settings: { routing_strategy: least-busy }
model_list:
  - model_name: images
    litellm_params: ${openaiParams(server)}
    model_info: { id: first }
  - model_name: images
    litellm_params: ${openaiParams(server)}
    model_info: { id: second }
`);
    const api = client(url);
    let slowDone = false;
    const slow = generate(api, 'images').finally(() => (slowDone = true));
    await expect.poll(() => server.requests.length, { interval: 10 }).toBe(1);
    const next: Served[] = [];
    for (let i = 0; i < 6; i++) next.push(await generate(api, 'images'));
    expect(slowDone, 'the slow request was still in flight').toBe(false);
    const busy = modelId(await slow);
    expect(['first', 'second']).toContain(busy);
    // Every request made while the slow one was in flight went to the other deployment.
    expect(new Set(next.map(modelId))).toEqual(new Set([busy === 'first' ? 'second' : 'first']));
  });

  it('falls back to the next group after spending the retries, and says so in the headers', async () => {
    // retry-after-ms keeps the retry backoff short; the counts are what is under test.
    const down = await upstream(upstreamError(503, 'group a is down', { 'retry-after-ms': '20' }));
    const backup = await upstream();
    const { url } = await proxy(`
router_settings:
  num_retries: 2
  allowed_fails: 100
  fallbacks: [{ a: [b] }]
model_list:
  - model_name: a
    litellm_params: ${openaiParams(down)}
    model_info: { id: a-only }
  - model_name: b
    litellm_params: ${openaiParams(backup)}
    model_info: { id: b-only }
`);
    const served = await generate(client(url), 'a');
    expect(served.data.data?.[0]?.b64_json).toBe('aGVsbG8=');
    expect(modelId(served)).toBe('b-only');
    expect(served.headers.get('x-imagegate-provider')).toBe('openai');
    expect(served.headers.get('x-imagegate-attempted-retries')).toBe('2');
    expect(served.headers.get('x-imagegate-attempted-fallbacks')).toBe('1');
    expect(down.requests).toHaveLength(3); // 1 + num_retries
    expect(backup.requests).toHaveLength(1);
    expect(backup.requests[0]!.body).toMatchObject({ model: 'gpt-image-1', prompt: 'a lighthouse at dusk' });
  });

  it('waits out an upstream Retry-After before retrying', async () => {
    const server = await upstream();
    const arrivals: number[] = [];
    server.respond(() => {
      arrivals.push(performance.now());
      return arrivals.length === 1 ? upstreamError(429, 'slow down', { 'retry-after': '1' }) : defaultImageResponse;
    });
    const { url } = await proxy(`
router_settings: { num_retries: 1 }
model_list:
  - model_name: images
    litellm_params: ${openaiParams(server)}
    model_info: { id: only }
`);
    const served = await generate(client(url), 'images');
    expect(served.headers.get('x-imagegate-attempted-retries')).toBe('1');
    expect(arrivals).toHaveLength(2);
    expect(arrivals[1]! - arrivals[0]!).toBeGreaterThanOrEqual(990);
    expect(served.ms).toBeGreaterThanOrEqual(1000);
    expect(served.ms).toBeLessThan(5000);
    // The wait is the upstream's request, not imagegate's overhead.
    expect(Number(served.headers.get('x-imagegate-response-duration-ms'))).toBeGreaterThanOrEqual(1000);
    expect(Number(served.headers.get('x-imagegate-overhead-duration-ms'))).toBeLessThan(500);
  });

  it('keeps a failing deployment out of rotation for cooldown_time, then lets it back in', async () => {
    const flaky = await upstream(upstreamError(500, 'flaky is broken'));
    const steady = await upstream();
    const { url } = await proxy(`
router_settings: { num_retries: 1, allowed_fails: 1, cooldown_time: 1 }
model_list:
  - model_name: images
    litellm_params: ${openaiParams(flaky, ', weight: 9')}
    model_info: { id: flaky }
  - model_name: images
    litellm_params: ${openaiParams(steady, ', weight: 1')}
    model_info: { id: steady }
`);
    const api = client(url);
    // Weight 9:1 sends the first requests to flaky; its first failure starts the cooldown and the retry goes to steady.
    let failedAt = 0;
    for (let i = 0; i < 20 && flaky.requests.length === 0; i++) {
      const served = await generate(api, 'images');
      expect(modelId(served)).toBe('steady');
      failedAt = performance.now();
    }
    expect(flaky.requests).toHaveLength(1);

    // Cooling: despite its weight, flaky gets nothing (requests sent well inside the 1 s window).
    let whileCooling = 0;
    for (; whileCooling < 8 && performance.now() - failedAt < 600; whileCooling++) {
      const served = await generate(api, 'images');
      expect(modelId(served)).toBe('steady');
      expect(served.headers.get('x-imagegate-attempted-retries')).toBe('0');
    }
    expect(whileCooling).toBeGreaterThanOrEqual(3);
    expect(flaky.requests).toHaveLength(1);

    // Healed and rested: it takes traffic again, and serves it.
    flaky.respond(defaultImageResponse);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1200 - (performance.now() - failedAt))));
    const after: Served[] = [];
    for (let i = 0; i < 10; i++) after.push(await generate(api, 'images'));
    expect(after.filter((served) => modelId(served) === 'flaky').length).toBeGreaterThan(0);
    expect(flaky.requests.length).toBeGreaterThan(1);
  });

  it('gives up on a deployment after litellm_params.timeout with 408, or falls back when it can', async () => {
    const stuck = await upstream({ ...defaultImageResponse, delayMs: 3000 });
    const quick = await upstream();
    const { url } = await proxy(`
router_settings:
  num_retries: 0
  fallbacks: [{ slow-with-fallback: [quick] }]
model_list:
  - model_name: slow
    litellm_params: ${openaiParams(stuck, ', timeout: 0.3')}
    model_info: { id: stuck-1 }
  - model_name: slow-with-fallback
    litellm_params: ${openaiParams(stuck, ', timeout: 0.3')}
    model_info: { id: stuck-2 }
  - model_name: quick
    litellm_params: ${openaiParams(quick)}
    model_info: { id: quick }
`);
    const api = client(url);
    const { error, ms } = await generateFailure(api, 'slow');
    expect(error.status).toBe(408);
    expect(error.message).toMatch(/timed out/i);
    expect(error.headers?.get('x-imagegate-model-id')).toBe('stuck-1');
    expect(ms).toBeLessThan(2500); // the upstream would have answered after 3 s

    const served = await generate(api, 'slow-with-fallback');
    expect(modelId(served)).toBe('quick');
    expect(served.headers.get('x-imagegate-attempted-fallbacks')).toBe('1');
    expect(served.ms).toBeLessThan(2500);
    expect(stuck.requests).toHaveLength(2);
  });

  it('answers with the last upstream error when every deployment and fallback fails, never an empty 200', async () => {
    const first = await upstream(upstreamError(500, 'first group exploded'));
    const last = await upstream(upstreamError(503, 'last group is overloaded'));
    const { url } = await proxy(`
router_settings:
  num_retries: 0
  fallbacks: [{ a: [b] }]
model_list:
  - model_name: a
    litellm_params: ${openaiParams(first)}
    model_info: { id: a-1 }
  - model_name: b
    litellm_params: ${openaiParams(last)}
    model_info: { id: b-1 }
  - model_name: m
    litellm_params: { model: mock/image-1, mock_error: 503 }
    model_info: { id: m-1 }
`);
    const api = client(url);
    const { error } = await generateFailure(api, 'a');
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error.status).toBe(503);
    expect(error.message).toContain('last group is overloaded');
    expect(error.headers?.get('x-imagegate-attempted-fallbacks')).toBe('1');
    expect(first.requests).toHaveLength(1);
    expect(last.requests).toHaveLength(1);

    const mock = await generateFailure(api, 'm');
    expect(mock.error.status).toBe(503);
    expect(mock.error.message).toContain('Simulated upstream error 503');
    expect(mock.error.headers?.get('x-imagegate-provider')).toBe('mock');
  });
});
