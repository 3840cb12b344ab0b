// Streaming through the SDK against a local upstream that spaces its events: order, timing (no buffering),
// cancellation, errors before and after the first byte, cost from the completed event's usage.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageEdit, imageGeneration, ImageStream, Router, type ImageStreamEvent } from '../../../src/index.js';
import { syntheticPng } from '../../../src/builtin/synthetic-image.js';
import { openaiStreamEvents, startImageStreamUpstream, type ImageStreamUpstream } from '../../helpers/image-stream-upstream.js';

let upstream: ImageStreamUpstream;
beforeAll(async () => {
  upstream = await startImageStreamUpstream();
});
afterAll(async () => upstream.close());

const openai = () => ({ model: 'openai/gpt-image-1', api_key: 'sk-test', api_base: `${upstream.url}/v1`, num_retries: 0 });

async function collect(stream: ImageStream): Promise<{ events: ImageStreamEvent[]; receivedAt: number[] }> {
  const events: ImageStreamEvent[] = [];
  const receivedAt: number[] = [];
  for await (const event of stream) {
    events.push(event);
    receivedAt.push(performance.now());
  }
  return { events, receivedAt };
}

/** The last upstream request was closed by the client before its answer ended, within 2 s. */
async function expectClosedEarly(): Promise<void> {
  const request = upstream.requests.at(-1)!;
  // closedAt is set, synchronously, when the connection closes early; closedEarly then settles at once.
  await expect.poll(() => request.closedAt, { timeout: 2000 }).toBeDefined();
  expect(await request.closedEarly).toBe(true);
}

describe('imageGeneration({ stream: true })', () => {
  it('yields the partial images then the completed one, each as it arrives, with usage and cost', async () => {
    upstream.respond({ kind: 'sse', events: openaiStreamEvents(2, { delayMs: 150 }) });
    const stream = await imageGeneration({ ...openai(), prompt: 'a fox', stream: true, partial_images: 2 });
    const { events, receivedAt } = await collect(stream);
    expect(events.map((e) => [e.type, 'partial_image_index' in e ? e.partial_image_index : undefined])).toEqual([
      ['image_generation.partial_image', 0],
      ['image_generation.partial_image', 1],
      ['image_generation.completed', undefined],
    ]);
    const sentAt = upstream.requests.at(-1)!.sentAt;
    // Each event reached the caller before the upstream wrote the next one (150 ms later): nothing was buffered.
    expect(receivedAt[0]!).toBeLessThan(sentAt[1]!);
    expect(receivedAt[1]!).toBeLessThan(sentAt[2]!);
    expect(upstream.requests.at(-1)!.json).toMatchObject({ stream: true, partial_images: 2 });
    const summary = await stream.summary;
    expect(summary.images).toBe(1);
    expect(summary.usage).toMatchObject({ input_tokens: 50, output_tokens: 272 });
    // gpt-image-1: $5 per 1M text input tokens, $40 per 1M image output tokens.
    expect(summary.response_cost).toBeCloseTo((50 * 5 + 272 * 40) / 1e6, 12);
    expect(stream._hidden_params.provider).toBe('openai');
  });

  it('cancels the upstream request when the caller aborts mid-stream', async () => {
    upstream.respond({ kind: 'sse', events: openaiStreamEvents(3, { delayMs: 200 }) });
    const controller = new AbortController();
    const stream = await imageGeneration({ ...openai(), prompt: 'a fox', stream: true, partial_images: 3, signal: controller.signal });
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const event of stream) {
          seen.push(event.type);
          controller.abort();
        }
      })(),
    ).rejects.toMatchObject({ name: 'APIUserAbortError' });
    expect(seen).toEqual(['image_generation.partial_image']);
    await expectClosedEarly();
    await expect(stream.summary).rejects.toBeDefined();
  });

  it('ends the upstream request when the caller stops reading', async () => {
    upstream.respond({ kind: 'sse', events: openaiStreamEvents(3, { delayMs: 200 }) });
    const stream = await imageGeneration({ ...openai(), prompt: 'a fox', stream: true, partial_images: 3 });
    for await (const event of stream) {
      expect(event.type).toBe('image_generation.partial_image');
      break;
    }
    await expectClosedEarly();
  });

  it('maps an error event after the first byte through the provider error rules', async () => {
    upstream.respond({ kind: 'sse', events: [openaiStreamEvents(1)[0]!, { data: { type: 'error', error: { message: 'blocked by moderation', code: 'moderation_blocked' } } }] });
    const stream = await imageGeneration({ ...openai(), prompt: 'a fox', stream: true, partial_images: 1 });
    await expect(collect(stream)).rejects.toMatchObject({ name: 'ContentPolicyViolationError', message: expect.stringContaining('blocked by moderation') });
  });

  it('is an error when the stream ends without a completed image', async () => {
    upstream.respond({ kind: 'sse', events: [openaiStreamEvents(1)[0]!] });
    const stream = await imageGeneration({ ...openai(), prompt: 'a fox', stream: true, partial_images: 1 });
    await expect(collect(stream)).rejects.toMatchObject({ name: 'BadGatewayError', code: 'bad_upstream_stream' });
  });

  it('rejects before the first byte with the upstream error (so a router can retry)', async () => {
    upstream.respond({ kind: 'json', status: 500, body: { error: { message: 'upstream broke', type: 'server_error', code: null, param: null } } });
    await expect(imageGeneration({ ...openai(), prompt: 'a fox', stream: true })).rejects.toMatchObject({ name: 'InternalServerError', status: 500 });
  });

  it('refuses stream on a provider that cannot stream, or answers one completed event when allowed', async () => {
    const mock = { model: 'bedrock/amazon.titan-image-generator-v2:0', prompt: 'a fox', stream: true as const };
    await expect(imageGeneration({ ...mock, api_base: upstream.url, aws_access_key_id: 'AKIDEXAMPLE', aws_secret_access_key: 'secret', aws_region_name: 'us-east-1' })).rejects.toMatchObject({
      name: 'BadRequestError',
      code: 'streaming_unsupported',
      message: expect.stringContaining('allow_single_event_stream'),
    });
    upstream.respond({ kind: 'json', status: 200, body: { images: ['aGVsbG8='] } });
    const stream = await imageGeneration({
      ...mock,
      api_base: upstream.url,
      aws_access_key_id: 'AKIDEXAMPLE',
      aws_secret_access_key: 'secret',
      aws_region_name: 'us-east-1',
      allow_single_event_stream: true,
    });
    const { events } = await collect(stream);
    expect(events).toEqual([{ type: 'image_generation.completed', b64_json: 'aGVsbG8=', created_at: expect.any(Number) }]);
    expect(stream._hidden_params.warnings.map((w) => w.code)).toContain('stream-emulated');
    expect(upstream.requests.at(-1)!.json).toBeDefined();
    expect(upstream.requests.at(-1)!.json).not.toHaveProperty('stream');
  });
});

describe('imageEdit({ stream: true })', () => {
  it('streams image_edit events from a multipart edit', async () => {
    upstream.respond({ kind: 'sse', events: openaiStreamEvents(1, { kind: 'image_edit', delayMs: 20 }) });
    const png = syntheticPng('input', 0, 32, 32);
    const stream = await imageEdit({ ...openai(), prompt: 'add a hat', image: png, stream: true, partial_images: 1 });
    const { events } = await collect(stream);
    expect(events.map((e) => e.type)).toEqual(['image_edit.partial_image', 'image_edit.completed']);
  });
});

describe('Router streaming', () => {
  it('retries before the first byte on another deployment, then streams', async () => {
    let calls = 0;
    const failing = await startImageStreamUpstream();
    failing.respond({ kind: 'json', status: 503, body: { error: { message: 'overloaded', type: 'server_error', code: null, param: null } } });
    upstream.respond({ kind: 'sse', events: openaiStreamEvents(1) });
    const router = new Router(
      {
        model_list: [
          { model_name: 'img', litellm_params: { model: 'openai/gpt-image-1', api_key: 'sk-a', api_base: `${failing.url}/v1` }, model_info: { id: 'bad' } },
          { model_name: 'img', litellm_params: { model: 'openai/gpt-image-1', api_key: 'sk-b', api_base: `${upstream.url}/v1` }, model_info: { id: 'good' } },
        ],
        router_settings: { routing_strategy: 'simple-shuffle', num_retries: 2 },
      },
      { env: {}, sleep: async () => {}, random: () => (calls++ === 0 ? 0 : 0.99) },
    );
    const stream = await router.imageGeneration({ model: 'img', prompt: 'a fox', stream: true, partial_images: 1 });
    const { events } = await collect(stream);
    expect(events.at(-1)!.type).toBe('image_generation.completed');
    expect(stream._hidden_params.routing).toMatchObject({ model_group: 'img', model_id: 'good' });
    await failing.close();
  });
});
