// Fallbacks: after a group's retries are spent, its fallback groups are tried in order.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InternalServerError, ServiceUnavailableError } from '../../src/errors/classes.js';
import { startRecordingServer, type RecordingServer } from '../helpers/recording-server.js';
import { createRouter, deployment, failure, fakeClock, generate, mockAt, openaiAt, recordingSleep, routingOf } from './helpers.js';

const failing = (status: number, message: string) => ({ status, body: { error: { message, type: 'server_error', param: null, code: null } } });

let a: RecordingServer;
let b: RecordingServer;
let c: RecordingServer;
beforeEach(async () => {
  [a, b, c] = await Promise.all([startRecordingServer(), startRecordingServer(), startRecordingServer()]);
});
afterEach(async () => {
  await Promise.all([a.close(), b.close(), c.close()]);
});

describe('fallbacks', () => {
  it('serves from the fallback group after the group has spent its retries', async () => {
    a.respond(failing(503, 'a is overloaded'));
    const { sleep, delays } = recordingSleep();
    const router = createRouter(
      {
        model_list: [deployment('a', 'a1', openaiAt(a)), deployment('b', 'b1', mockAt())],
        router_settings: { num_retries: 2, fallbacks: [{ a: ['b'] }] },
      },
      { sleep, random: () => 0 },
    );
    const response = await generate(router, { model: 'a' });
    expect(a.requests).toHaveLength(3);
    expect(delays).toStrictEqual([500, 1000]);
    expect(response.data).toHaveLength(1);
    expect(routingOf(response)).toStrictEqual({ model_group: 'a', model_id: 'b1', provider: 'mock', attempted_retries: 2, attempted_fallbacks: 1 });
    expect(response._hidden_params.provider).toBe('mock');
  });

  it('tries several fallbacks in the order given', async () => {
    a.respond(failing(503, 'a is overloaded'));
    b.respond(failing(503, 'b is overloaded'));
    const router = createRouter({
      model_list: [deployment('a', 'a1', openaiAt(a)), deployment('b', 'b1', openaiAt(b)), deployment('c', 'c1', openaiAt(c))],
      router_settings: { num_retries: 0, fallbacks: [{ a: ['b', 'c'] }] },
    });
    const response = await generate(router, { model: 'a' });
    expect(routingOf(response)).toStrictEqual({ model_group: 'a', model_id: 'c1', provider: 'openai', attempted_retries: 0, attempted_fallbacks: 2 });
    expect([a.requests.length, b.requests.length, c.requests.length]).toStrictEqual([1, 1, 1]);

    // With b healthy, b serves and c is never asked.
    b.respond({ status: 200, body: { created: 1700000000, data: [{ b64_json: 'aGVsbG8=' }] } });
    const second = await generate(router, { model: 'a' });
    expect(routingOf(second)).toMatchObject({ model_id: 'b1', attempted_fallbacks: 1 });
    expect([a.requests.length, b.requests.length, c.requests.length]).toStrictEqual([2, 2, 1]);
  });

  it('reads fallbacks from litellm_settings too', async () => {
    a.respond(failing(503, 'a is overloaded'));
    const router = createRouter({
      model_list: [deployment('a', 'a1', openaiAt(a)), deployment('b', 'b1', mockAt())],
      router_settings: { num_retries: 0 },
      litellm_settings: { fallbacks: [{ a: ['b'] }] },
    });
    expect(routingOf(await generate(router, { model: 'a' }))).toMatchObject({ model_id: 'b1', attempted_fallbacks: 1 });
  });

  it('when everything fails, answers with the last upstream error', async () => {
    a.respond(failing(503, 'a is overloaded'));
    b.respond(failing(500, 'b exploded'));
    const router = createRouter({
      model_list: [deployment('a', 'a1', openaiAt(a)), deployment('b', 'b1', openaiAt(b))],
      router_settings: { num_retries: 1, fallbacks: [{ a: ['b'] }] },
    });
    const error = await failure(generate(router, { model: 'a' }));
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error.status).toBe(500);
    expect(error.message).toContain('b exploded');
    expect(error.message).not.toContain('a is overloaded');
    expect(error.routing).toStrictEqual({ model_group: 'a', model_id: 'b1', provider: 'openai', attempted_retries: 2, attempted_fallbacks: 1 });
    expect([a.requests.length, b.requests.length]).toStrictEqual([2, 2]);
  });

  it('answers with the upstream error, not the router 429, when the fallback has no deployment free', async () => {
    a.respond(failing(503, 'a is overloaded'));
    const clock = fakeClock();
    const router = createRouter(
      {
        model_list: [deployment('a', 'a1', openaiAt(a)), deployment('b', 'b1', mockAt({ rpm: 1 }))],
        router_settings: { num_retries: 0, fallbacks: [{ a: ['b'] }] },
      },
      { now: clock.now },
    );
    await generate(router, { model: 'b' }); // uses b's only request of this minute
    const error = await failure(generate(router, { model: 'a' }));
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error.status).toBe(503);
    expect(error.code).not.toBe('no_deployment_available');
    expect(error.message).toContain('a is overloaded');
    expect(error.routing).toMatchObject({ model_group: 'a', attempted_fallbacks: 1 });
  });
});
