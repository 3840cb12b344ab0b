// Cooldowns: a deployment that fails allowed_fails times rests for cooldown_time; its peers take the traffic.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RateLimitError, ServiceUnavailableError } from '../../src/errors/classes.js';
import { defaultImageResponse, startRecordingServer, type RecordingServer } from '../helpers/recording-server.js';
import { createRouter, deployment, failure, fakeClock, generate, mockAt, openaiAt, recordingSleep, routingOf } from './helpers.js';

const unavailable = { status: 503, body: { error: { message: 'The engine is overloaded.', type: 'server_error', param: null, code: null } } };

let upstream: RecordingServer;
let other: RecordingServer;
beforeEach(async () => {
  [upstream, other] = await Promise.all([startRecordingServer(), startRecordingServer()]);
});
afterEach(async () => {
  await Promise.all([upstream.close(), other.close()]);
});

describe('cooldown', () => {
  it('rests a deployment after allowed_fails failures until cooldown_time has passed, then sends it traffic again', async () => {
    upstream.respond(unavailable);
    const clock = fakeClock();
    // random 0 picks "a" whenever it may: every call that goes to "b" first shows "a" is cooling.
    const router = createRouter(
      {
        model_list: [deployment('g', 'a', openaiAt(upstream)), deployment('g', 'b', mockAt())],
        router_settings: { allowed_fails: 2, cooldown_time: 10, num_retries: 1 },
      },
      { now: clock.now, random: () => 0 },
    );
    for (let failures = 1; failures <= 2; failures++) {
      expect(routingOf(await generate(router, { model: 'g' }))).toMatchObject({ model_id: 'b', attempted_retries: 1 });
      expect(upstream.requests).toHaveLength(failures);
    }
    for (let i = 0; i < 5; i++) {
      expect(routingOf(await generate(router, { model: 'g' }))).toMatchObject({ model_id: 'b', attempted_retries: 0 });
    }
    clock.advance(9_999);
    expect(routingOf(await generate(router, { model: 'g' }))).toMatchObject({ model_id: 'b', attempted_retries: 0 });
    expect(upstream.requests).toHaveLength(2);

    clock.advance(1);
    upstream.respond(defaultImageResponse); // recovered
    expect(routingOf(await generate(router, { model: 'g' }))).toMatchObject({ model_id: 'a', attempted_retries: 0 });
    expect(upstream.requests).toHaveLength(3);
  });

  it('forgets failures older than a minute', async () => {
    upstream.respond(unavailable);
    const clock = fakeClock();
    const router = createRouter(
      {
        model_list: [deployment('g', 'a', openaiAt(upstream)), deployment('g', 'b', mockAt())],
        router_settings: { allowed_fails: 2, cooldown_time: 10, num_retries: 1 },
      },
      { now: clock.now, random: () => 0 },
    );
    await generate(router, { model: 'g' });
    clock.advance(60_000);
    await generate(router, { model: 'g' }); // the first failure has left the window: one failure only, no cooldown
    await generate(router, { model: 'g' });
    expect(upstream.requests).toHaveLength(3);
  });

  it('answers 429 no_deployment_available with retry-after while every deployment is cooling', async () => {
    upstream.respond(unavailable);
    other.respond(unavailable);
    const clock = fakeClock();
    const router = createRouter(
      {
        model_list: [deployment('g', 'a', openaiAt(upstream)), deployment('g', 'b', openaiAt(other))],
        router_settings: { allowed_fails: 1, cooldown_time: 10, num_retries: 1 },
      },
      { now: clock.now, random: () => 0 },
    );
    const first = await failure(generate(router, { model: 'g' }));
    expect(first).toBeInstanceOf(ServiceUnavailableError); // the upstream's answer, not the router's
    expect([upstream.requests.length, other.requests.length]).toStrictEqual([1, 1]);

    clock.advance(4_000);
    const resting = await failure(generate(router, { model: 'g' }));
    expect(resting).toBeInstanceOf(RateLimitError);
    expect(resting.code).toBe('no_deployment_available');
    expect(resting.headers['retry-after']).toBe('6');
    expect(resting.message).toContain('cooling down');
    expect([upstream.requests.length, other.requests.length]).toStrictEqual([1, 1]);
  });

  it('never cools down the only deployment of a group without fallbacks', async () => {
    upstream.respond(unavailable);
    const router = createRouter({
      model_list: [deployment('g', 'a', openaiAt(upstream))],
      router_settings: { allowed_fails: 1, cooldown_time: 60, num_retries: 0 },
    });
    for (let i = 1; i <= 3; i++) {
      const error = await failure(generate(router, { model: 'g' }));
      expect(error.status).toBe(503);
      expect(upstream.requests).toHaveLength(i);
    }
  });

  it('does cool down the only deployment of a group with fallbacks, so they serve at once', async () => {
    upstream.respond(unavailable);
    const router = createRouter({
      model_list: [deployment('g', 'a', openaiAt(upstream)), deployment('f', 'f1', mockAt())],
      router_settings: { allowed_fails: 1, cooldown_time: 60, num_retries: 0, fallbacks: [{ g: ['f'] }] },
    });
    expect(routingOf(await generate(router, { model: 'g' }))).toMatchObject({ model_id: 'f1', attempted_fallbacks: 1 });
    expect(routingOf(await generate(router, { model: 'g' }))).toMatchObject({ model_id: 'f1', attempted_fallbacks: 1 });
    expect(upstream.requests).toHaveLength(1);
  });

  it('moves on to the fallbacks at once, without a backoff, when the failed deployment starts cooling', async () => {
    upstream.respond(unavailable);
    const { sleep, delays } = recordingSleep();
    const router = createRouter(
      {
        model_list: [deployment('g', 'a', openaiAt(upstream)), deployment('f', 'f1', mockAt())],
        router_settings: { allowed_fails: 1, cooldown_time: 60, num_retries: 2, fallbacks: [{ g: ['f'] }] },
      },
      { sleep },
    );
    expect(routingOf(await generate(router, { model: 'g' }))).toStrictEqual({ model_group: 'g', model_id: 'f1', provider: 'mock', attempted_retries: 0, attempted_fallbacks: 1 });
    expect(upstream.requests).toHaveLength(1);
    expect(delays).toStrictEqual([]);
  });
});
