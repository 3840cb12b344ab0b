// The caller's AbortSignal: it stops the call at once, and is never held against a deployment.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { APIUserAbortError } from '../../src/errors/classes.js';
import { abortableSleep } from '../../src/http/retry.js';
import { defaultImageResponse, startRecordingServer, type RecordingServer } from '../helpers/recording-server.js';
import { createRouter, deployment, failure, generate, mockAt, openaiAt, recordingSleep, routingOf } from './helpers.js';

let a: RecordingServer;
let b: RecordingServer;
beforeEach(async () => {
  [a, b] = await Promise.all([startRecordingServer(), startRecordingServer()]);
});
afterEach(async () => {
  await Promise.all([a.close(), b.close()]);
});

describe('caller abort', () => {
  it('stops a call in flight with APIUserAbortError: no retry, no peer, no cooldown', async () => {
    const controller = new AbortController();
    // The upstream aborts the caller as soon as the request arrives, then would answer a second later.
    a.respond(() => {
      controller.abort();
      return { ...defaultImageResponse, delayMs: 1_000 };
    });
    const { sleep, delays } = recordingSleep();
    // allowed_fails 1: had the abort counted as a failure, "a" would be cooling for a minute.
    const router = createRouter(
      {
        model_list: [deployment('g', 'a', openaiAt(a)), deployment('g', 'b', openaiAt(b))],
        router_settings: { allowed_fails: 1, cooldown_time: 60, num_retries: 3 },
      },
      { sleep, random: () => 0 },
    );
    const started = performance.now();
    const error = await failure(generate(router, { model: 'g', signal: controller.signal }));
    expect(performance.now() - started).toBeLessThan(900);
    expect(error).toBeInstanceOf(APIUserAbortError);
    expect(error.routing).toStrictEqual({ model_group: 'g', model_id: 'a', provider: 'openai', attempted_retries: 0, attempted_fallbacks: 0 });
    expect([a.requests.length, b.requests.length]).toStrictEqual([1, 0]);
    expect(delays).toStrictEqual([]);

    a.respond(defaultImageResponse);
    expect(routingOf(await generate(router, { model: 'g' })).model_id).toBe('a');
    expect([a.requests.length, b.requests.length]).toStrictEqual([2, 0]);
  });

  it('stops during a backoff sleep, before the next attempt or a fallback', async () => {
    a.respond({ status: 503, body: { error: { message: 'The engine is overloaded.', type: 'server_error', param: null, code: null } } });
    const controller = new AbortController();
    const router = createRouter(
      {
        model_list: [deployment('g', 'a', openaiAt(a)), deployment('f', 'f1', openaiAt(b))],
        router_settings: { num_retries: 3, fallbacks: [{ g: ['f'] }] },
      },
      {
        // The caller gives up while the router waits; the real sleep then ends at once.
        sleep: (ms, signal) => {
          controller.abort();
          return abortableSleep(ms, signal);
        },
      },
    );
    const error = await failure(generate(router, { model: 'g', signal: controller.signal }));
    expect(error).toBeInstanceOf(APIUserAbortError);
    expect([a.requests.length, b.requests.length]).toStrictEqual([1, 0]);
  });

  it('sends nothing upstream when the signal is already aborted', async () => {
    const router = createRouter({ model_list: [deployment('g', 'a', openaiAt(a)), deployment('g', 'b', openaiAt(b))] });
    const error = await failure(generate(router, { model: 'g', signal: AbortSignal.abort() }));
    expect(error).toBeInstanceOf(APIUserAbortError);
    expect([a.requests.length, b.requests.length]).toStrictEqual([0, 0]);
  });

  it('does not make latency-based routing think the aborted deployment is slow', async () => {
    const router = createRouter(
      {
        model_list: [deployment('g', 'slow', mockAt({ mock_latency_ms: 60 })), deployment('g', 'fast', mockAt({ mock_latency_ms: 1 }))],
        router_settings: { routing_strategy: 'latency-based-routing' },
      },
      { random: () => 0 },
    );
    // Measure both: slow first (the tie goes to it), then fast (unmeasured), then fast by latency.
    expect(routingOf(await generate(router, { model: 'g' })).model_id).toBe('slow');
    expect(routingOf(await generate(router, { model: 'g' })).model_id).toBe('fast');
    await expect(generate(router, { model: 'g', signal: AbortSignal.abort() })).rejects.toMatchObject({ routing: { model_id: 'fast' } });
    expect(routingOf(await generate(router, { model: 'g' })).model_id).toBe('fast');
  });

  it('frees the in-flight slot of an aborted call for least-busy', async () => {
    const router = createRouter(
      {
        model_list: [deployment('g', 'a', mockAt({ mock_latency_ms: 1 })), deployment('g', 'b', mockAt({ mock_latency_ms: 1 }))],
        router_settings: { routing_strategy: 'least-busy' },
      },
      { random: () => 0 },
    );
    await expect(generate(router, { model: 'g', signal: AbortSignal.abort() })).rejects.toBeInstanceOf(APIUserAbortError);
    expect(routingOf(await generate(router, { model: 'g' })).model_id).toBe('a');
  });
});
