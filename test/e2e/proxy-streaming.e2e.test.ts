// Streamed generations through the proxy as the official openai client sees them: the built CLI in its own
// process, in front of a local OpenAI-shaped upstream that spaces its events in time. Events arrive one by one
// as the upstream sends them (no buffering), a client that leaves cancels the upstream request, errors before
// the first byte are the usual JSON envelope (after the router's retries and fallbacks), errors after it an
// `event: error` the client throws.
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { proxy } from './helpers/lifecycle.js';
import { send } from './helpers/proxy-http.js';
import { median, openaiDeployment, streamUpstream, within } from './helpers/stream-upstream.js';
import { openaiStreamEvents, type UpstreamAnswer } from '../helpers/image-stream-upstream.js';
import { parseMetrics, total } from '../helpers/prometheus-text.js';
import type { ProxyProcess } from '../helpers/proxy-process.js';

const PROMPT = 'a lighthouse at dusk';

function client(baseURL: string, apiKey = 'client-key'): OpenAI {
  return new OpenAI({ baseURL, apiKey, maxRetries: 0 });
}

function oneDeployment(litellmParams: string, extra = ''): string {
  return `
model_list:
  - model_name: images
    litellm_params: ${litellmParams}
    model_info: { id: only }
${extra}`;
}

function requestLine(proxyProcess: ProxyProcess, index = 0): Record<string, unknown> | undefined {
  return proxyProcess.logs().filter((line) => line['msg'] === 'request' && String(line['path']).startsWith('/v1/images'))[index];
}

async function waitForRequestLine(proxyProcess: ProxyProcess, index = 0): Promise<Record<string, unknown>> {
  await expect.poll(() => requestLine(proxyProcess, index), { timeout: 5000, interval: 20 }).toBeDefined();
  return requestLine(proxyProcess, index)!;
}

const upstreamFailure = (status: number, message: string): UpstreamAnswer => ({
  kind: 'json',
  status,
  headers: { 'retry-after-ms': '20' },
  body: { error: { message, type: 'server_error', param: null, code: null } },
});

describe('proxy streaming (e2e)', () => {
  it('forwards partial images 0, 1 and the completed image in order, each as the upstream sends it', async () => {
    const upstream = await streamUpstream({ kind: 'sse', events: openaiStreamEvents(2, { delayMs: 300 }) });
    const proxyProcess = await proxy(oneDeployment(openaiDeployment(upstream)));
    const api = client(`${proxyProcess.url}/v1`);

    const { data: stream, response } = await api.images.generate({ model: 'images', prompt: PROMPT, stream: true, partial_images: 2 }).withResponse();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    expect(response.headers.get('x-imagegate-model-id')).toBe('only');
    expect(response.headers.get('x-imagegate-provider')).toBe('openai');
    expect(response.headers.get('x-imagegate-attempted-retries')).toBe('0');
    expect(response.headers.get('x-imagegate-call-id')).toEqual(expect.any(String));
    // The cost is known only once the stream has ended.
    expect(response.headers.get('x-imagegate-response-cost')).toBeNull();

    const received: { event: OpenAI.Images.ImageGenStreamEvent; at: number }[] = [];
    for await (const event of stream) received.push({ event, at: performance.now() });

    expect(received.map(({ event }) => event.type)).toEqual(['image_generation.partial_image', 'image_generation.partial_image', 'image_generation.completed']);
    expect(received[0]!.event).toMatchObject({ partial_image_index: 0, b64_json: Buffer.from('partial 0').toString('base64') });
    expect(received[1]!.event).toMatchObject({ partial_image_index: 1, b64_json: Buffer.from('partial 1').toString('base64') });
    expect(received[2]!.event).toMatchObject({ b64_json: Buffer.from('final image').toString('base64'), usage: { total_tokens: 322 } });
    // No buffering: each event reached the client before the upstream had even written the next one.
    const { sentAt, json } = upstream.requests[0]!;
    expect(sentAt).toHaveLength(3);
    for (let index = 0; index < 2; index++) expect(received[index]!.at, `event ${index}`).toBeLessThan(sentAt[index + 1]!);
    expect(json).toMatchObject({ model: 'gpt-image-1', prompt: PROMPT, stream: true, partial_images: 2 });
    expect(upstream.requests).toHaveLength(1);

    const line = await waitForRequestLine(proxyProcess);
    expect(line).toMatchObject({ path: '/v1/images/generations', status: 200, model_group: 'images', deployment_id: 'only', provider: 'openai' });
    expect(line['error']).toBeUndefined();
    const metrics = parseMetrics((await send(`${proxyProcess.url}/metrics`)).text);
    expect(total(metrics, 'imagegate_requests_total', { route: '/v1/images/generations', status: '200', deployment: 'only' })).toBe(1);
    expect(total(metrics, 'imagegate_images_generated_total', { deployment: 'only' })).toBe(1);
    const spend = (await send(`${proxyProcess.url}/spend`)).json as { requests: number; total_usd: number };
    expect(spend.requests).toBe(1);
  });

  it('serves /images/generations and the Azure deployments path as streams too', async () => {
    const upstream = await streamUpstream({ kind: 'sse', events: openaiStreamEvents(1) });
    const proxyProcess = await proxy(oneDeployment(openaiDeployment(upstream)));
    const bare = await client(proxyProcess.url).images.generate({ model: 'images', prompt: PROMPT, stream: true, partial_images: 1 });
    const types: string[] = [];
    for await (const event of bare) types.push(event.type);
    expect(types).toEqual(['image_generation.partial_image', 'image_generation.completed']);

    const azure = await send(`${proxyProcess.url}/openai/deployments/images/images/generations?api-version=2025-04-01-preview`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'api-key': 'client-key' },
      body: JSON.stringify({ prompt: PROMPT, stream: true, partial_images: 1 }),
    });
    expect(azure.status).toBe(200);
    expect(azure.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(azure.text).toMatch(/^event: image_generation\.partial_image\ndata: \{.*\}\n\nevent: image_generation\.completed\ndata: \{.*\}\n\n$/s);
    expect(upstream.requests.map((request) => request.json?.['model'])).toEqual(['gpt-image-1', 'gpt-image-1']);
  });

  it('aborts the upstream request when the client disconnects mid-stream, and stays healthy', async () => {
    const upstream = await streamUpstream((request) =>
      request.json?.['stream'] === true
        ? { kind: 'sse', events: [...openaiStreamEvents(2, { delayMs: 5000 }).slice(0, 1)], hold: true }
        : { kind: 'json', status: 200, body: { created: 1700000000, data: [{ b64_json: 'aGVsbG8=' }] } },
    );
    const proxyProcess = await proxy(oneDeployment(openaiDeployment(upstream)));
    const api = client(`${proxyProcess.url}/v1`);
    const controller = new AbortController();
    const stream = await api.images.generate({ model: 'images', prompt: PROMPT, stream: true, partial_images: 2 }, { signal: controller.signal });
    let first: OpenAI.Images.ImageGenStreamEvent | undefined;
    let abortedAt = 0;
    for await (const event of stream) {
      first = event;
      abortedAt = performance.now();
      controller.abort();
    }
    expect(first).toMatchObject({ type: 'image_generation.partial_image', partial_image_index: 0 });

    // The upstream sees its request closed well within a second.
    expect(await within(upstream.requests[0]!.closedEarly, 2000, 'upstream request closed')).toBe(true);
    expect(upstream.requests[0]!.closedAt! - abortedAt).toBeLessThan(1000);

    const line = await waitForRequestLine(proxyProcess);
    expect(line).toMatchObject({ path: '/v1/images/generations', status: 499, deployment_id: 'only' });
    const metrics = parseMetrics((await send(`${proxyProcess.url}/metrics`)).text);
    expect(total(metrics, 'imagegate_requests_total', { status: '499' })).toBe(1);

    // Still healthy: ready, and the next request is served.
    expect((await send(`${proxyProcess.url}/health/readiness`)).status).toBe(200);
    const next = await api.images.generate({ model: 'images', prompt: PROMPT });
    expect(next.data?.[0]?.b64_json).toBe('aGVsbG8=');
  });

  it('ends a stream that fails after it started with an error event the client throws', async () => {
    const upstream = await streamUpstream({
      kind: 'sse',
      events: [
        ...openaiStreamEvents(2).slice(0, 1),
        { data: { type: 'error', error: { message: 'The image could not be finished (upstream exploded).', type: 'server_error', code: 'server_error' } } },
      ],
    });
    const proxyProcess = await proxy(oneDeployment(openaiDeployment(upstream)));
    const stream = await client(`${proxyProcess.url}/v1`).images.generate({ model: 'images', prompt: PROMPT, stream: true, partial_images: 2 });
    const types: string[] = [];
    const failure = await (async () => {
      for await (const event of stream) types.push(event.type);
    })().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(types).toEqual(['image_generation.partial_image']);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect((failure as InstanceType<typeof OpenAI.APIError>).message).toContain('upstream exploded');
    const line = await waitForRequestLine(proxyProcess);
    expect(line['status']).toBeGreaterThanOrEqual(500);
    expect(line['error']).toMatchObject({ message: expect.stringContaining('upstream exploded') });
    expect(upstream.requests).toHaveLength(1); // no retry once events went out
  });

  it('turns an upstream connection cut mid-stream into an error event', async () => {
    const upstream = await streamUpstream({ kind: 'sse', events: openaiStreamEvents(2).slice(0, 1), cut: true });
    const proxyProcess = await proxy(oneDeployment(openaiDeployment(upstream)));
    const raw = await send(`${proxyProcess.url}/v1/images/generations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'images', prompt: PROMPT, stream: true, partial_images: 2 }),
    });
    expect(raw.status).toBe(200);
    const messages = raw.text.split('\n\n').filter(Boolean);
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatch(/^event: image_generation\.partial_image\n/);
    const [eventLine, dataLine] = messages[1]!.split('\n');
    expect(eventLine).toBe('event: error');
    const data = JSON.parse(dataLine!.replace(/^data: /, '')) as { type: string; error: Record<string, unknown> };
    expect(data.type).toBe('error');
    expect(Object.keys(data.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(String(data.error['message']).length).toBeGreaterThan(0);
  });

  it('answers an upstream error before the first byte with the JSON envelope and its status', async () => {
    const upstream = await streamUpstream({
      kind: 'json',
      status: 400,
      body: { error: { message: 'Your prompt was rejected by the safety system.', type: 'invalid_request_error', param: 'prompt', code: 'moderation_blocked' } },
    });
    const proxyProcess = await proxy(oneDeployment(openaiDeployment(upstream)));
    const failure = await client(`${proxyProcess.url}/v1`)
      .images.generate({ model: 'images', prompt: PROMPT, stream: true })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
    expect((failure as InstanceType<typeof OpenAI.BadRequestError>).message).toContain('rejected by the safety system');
    expect(upstream.requests).toHaveLength(1);
  });

  it('retries before the first byte: a 500 then the stream, from the same deployment', async () => {
    const upstream = await streamUpstream((request) =>
      upstream.requests.indexOf(request) === 0 ? upstreamFailure(500, 'try again') : { kind: 'sse', events: openaiStreamEvents(1) },
    );
    const proxyProcess = await proxy(oneDeployment(openaiDeployment(upstream), 'router_settings: { num_retries: 1 }'));
    const { data: stream, response } = await client(`${proxyProcess.url}/v1`)
      .images.generate({ model: 'images', prompt: PROMPT, stream: true, partial_images: 1 })
      .withResponse();
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types).toEqual(['image_generation.partial_image', 'image_generation.completed']);
    expect(response.headers.get('x-imagegate-attempted-retries')).toBe('1');
    expect(upstream.requests).toHaveLength(2);
  });

  it('falls back to the next group before the first byte', async () => {
    const down = await streamUpstream(upstreamFailure(500, 'group a is down'));
    const backup = await streamUpstream({ kind: 'sse', events: openaiStreamEvents(2, { delayMs: 20 }) });
    const proxyProcess = await proxy(`
router_settings: { num_retries: 0, fallbacks: [{ a: [b] }] }
model_list:
  - model_name: a
    litellm_params: ${openaiDeployment(down)}
    model_info: { id: a-only }
  - model_name: b
    litellm_params: ${openaiDeployment(backup)}
    model_info: { id: b-only }
`);
    const { data: stream, response } = await client(`${proxyProcess.url}/v1`)
      .images.generate({ model: 'a', prompt: PROMPT, stream: true, partial_images: 2 })
      .withResponse();
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types).toEqual(['image_generation.partial_image', 'image_generation.partial_image', 'image_generation.completed']);
    expect(response.headers.get('x-imagegate-model-id')).toBe('b-only');
    expect(response.headers.get('x-imagegate-attempted-fallbacks')).toBe('1');
    expect(down.requests).toHaveLength(1);
    expect(backup.requests).toHaveLength(1);
    expect(backup.requests[0]!.json).toMatchObject({ stream: true, partial_images: 2 });
  });

  it('checks streams like any request: key, client credentials, params — before any upstream call', async () => {
    const upstream = await streamUpstream({ kind: 'sse', events: openaiStreamEvents(1) });
    const proxyProcess = await proxy(oneDeployment(openaiDeployment(upstream), 'general_settings: { master_key: sk-proxy }'));
    const unauthorized = await client(`${proxyProcess.url}/v1`, 'sk-wrong')
      .images.generate({ model: 'images', prompt: PROMPT, stream: true })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(unauthorized).toBeInstanceOf(OpenAI.AuthenticationError);
    const api = client(`${proxyProcess.url}/v1`, 'sk-proxy');
    const steering = await api.images
      .generate({ model: 'images', prompt: PROMPT, stream: true, api_base: 'http://127.0.0.1:9/v1' } as OpenAI.Images.ImageGenerateParamsStreaming)
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(steering).toBeInstanceOf(OpenAI.BadRequestError);
    expect((steering as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('client_side_credentials_not_allowed');
    const invalid = await api.images
      .generate({ model: 'images', prompt: PROMPT, stream: true, partial_images: 7 })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(invalid).toBeInstanceOf(OpenAI.BadRequestError);
    expect((invalid as InstanceType<typeof OpenAI.BadRequestError>).message).toContain('partial_images');
    expect(upstream.requests).toHaveLength(0);
  });

  it('streams the offline mock provider, with partial images', async () => {
    const proxyProcess = await proxy(oneDeployment('{ model: mock/image-1 }'));
    const stream = await client(`${proxyProcess.url}/v1`).images.generate({ model: 'images', prompt: PROMPT, size: '64x64', stream: true, partial_images: 2 });
    const events: OpenAI.Images.ImageGenStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    expect(events.map((event) => event.type)).toEqual(['image_generation.partial_image', 'image_generation.partial_image', 'image_generation.completed']);
    expect(Buffer.from(events[2]!.b64_json, 'base64').subarray(1, 4).toString('latin1')).toBe('PNG');
  });

  it('refuses a stream from a provider that cannot stream, unless single-event streams are allowed', async () => {
    const gemini = await streamUpstream({
      kind: 'json',
      status: 200,
      body: { candidates: [{ content: { role: 'model', parts: [{ inlineData: { mimeType: 'image/png', data: Buffer.from('gemini image').toString('base64') } }] }, finishReason: 'STOP' }] },
    });
    const params = (extra = '') => `{ model: gemini/gemini-2.5-flash-image, api_key: sk-gemini-test, api_base: "${gemini.url}"${extra} }`;
    const proxyProcess = await proxy(`
model_list:
  - model_name: strict
    litellm_params: ${params()}
  - model_name: lenient
    litellm_params: ${params(', allow_single_event_stream: true')}
`);
    const api = client(`${proxyProcess.url}/v1`);
    const refused = await api.images.generate({ model: 'strict', prompt: PROMPT, stream: true }).then(
      () => undefined,
      (error: unknown) => error as InstanceType<typeof OpenAI.APIError>,
    );
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect(refused!.code).toBe('streaming_unsupported');
    expect(refused!.message).toContain('allow_single_event_stream');
    expect(gemini.requests).toHaveLength(0);
    for (const request of [{ model: 'strict', allow_single_event_stream: true }, { model: 'lenient' }]) {
      const stream = await api.images.generate({ ...request, prompt: PROMPT, stream: true } as OpenAI.Images.ImageGenerateParamsStreaming);
      const events: OpenAI.Images.ImageGenStreamEvent[] = [];
      for await (const event of stream) events.push(event);
      expect(events.map((event) => event.type)).toEqual(['image_generation.completed']);
      expect(Buffer.from(events[0]!.b64_json, 'base64').toString()).toBe('gemini image');
    }
    expect(gemini.requests).toHaveLength(2);
  });

  it('measures the time to the first partial image, through the proxy and straight from the upstream', async () => {
    const upstream = await streamUpstream({ kind: 'sse', events: openaiStreamEvents(1, { delayMs: 0 }) });
    const proxyProcess = await proxy(oneDeployment(openaiDeployment(upstream)));
    const viaProxy = client(`${proxyProcess.url}/v1`);
    const direct = client(`${upstream.url}/v1`, 'sk-upstream-test');
    const timeToFirst = async (api: OpenAI, model: string): Promise<number> => {
      const started = performance.now();
      const stream = await api.images.generate({ model, prompt: PROMPT, stream: true, partial_images: 1 });
      let first = 0;
      for await (const event of stream) if (first === 0 && event.type === 'image_generation.partial_image') first = performance.now() - started;
      return first;
    };
    for (let warmup = 0; warmup < 5; warmup++) {
      await timeToFirst(direct, 'gpt-image-1');
      await timeToFirst(viaProxy, 'images');
    }
    const directMs: number[] = [];
    const proxyMs: number[] = [];
    for (let round = 0; round < 40; round++) {
      directMs.push(await timeToFirst(direct, 'gpt-image-1'));
      proxyMs.push(await timeToFirst(viaProxy, 'images'));
    }
    const p = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * q))]!;
    console.log(
      `time to first partial image (openai client, 40 runs): direct median ${median(directMs).toFixed(2)} ms, p90 ${p(directMs, 0.9).toFixed(2)} ms; ` +
        `through the proxy median ${median(proxyMs).toFixed(2)} ms, p90 ${p(proxyMs, 0.9).toFixed(2)} ms; ` +
        `added by the proxy ${(median(proxyMs) - median(directMs)).toFixed(2)} ms (median)`,
    );
    expect(median(proxyMs) - median(directMs)).toBeLessThan(100);
  });
});
