// Retries within a model group: backoff through the injected sleep, Retry-After, peers first, no retry of request errors.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthenticationError, BadRequestError, ServiceUnavailableError, UnsupportedParamsError } from '../../src/errors/classes.js';
import { startRecordingServer, type RecordingServer } from '../helpers/recording-server.js';
import { createRouter, deployment, failure, generate, mockAt, openaiAt, recordingSleep, routingOf } from './helpers.js';

const unavailable = { status: 503, body: { error: { message: 'The engine is overloaded.', type: 'server_error', param: null, code: null } } };

let upstream: RecordingServer;
let peer: RecordingServer;
beforeEach(async () => {
  [upstream, peer] = await Promise.all([startRecordingServer(), startRecordingServer()]);
});
afterEach(async () => {
  await Promise.all([upstream.close(), peer.close()]);
});

describe('retries of a lone deployment', () => {
  it('retries a 503 num_retries times with exponential backoff through the injected sleep', async () => {
    upstream.respond(unavailable);
    const { sleep, delays } = recordingSleep();
    // random 0: no jitter, so the backoff is exactly 500 ms, 1000 ms, 2000 ms.
    const router = createRouter({ model_list: [deployment('g', 'a', openaiAt(upstream))], router_settings: { num_retries: 3 } }, { sleep, random: () => 0 });
    const error = await failure(generate(router, { model: 'g' }));
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error.status).toBe(503);
    expect(error.message).toContain('The engine is overloaded.');
    expect(upstream.requests).toHaveLength(4);
    expect(delays).toStrictEqual([500, 1000, 2000]);
    expect(error.routing).toStrictEqual({ model_group: 'g', model_id: 'a', provider: 'openai', attempted_retries: 3, attempted_fallbacks: 0 });
  });

  it('waits what Retry-After says', async () => {
    upstream.respond({ ...unavailable, headers: { 'retry-after': '2' } });
    const { sleep, delays } = recordingSleep();
    const router = createRouter({ model_list: [deployment('g', 'a', openaiAt(upstream))], router_settings: { num_retries: 2 } }, { sleep, random: () => 0.5 });
    await failure(generate(router, { model: 'g' }));
    expect(upstream.requests).toHaveLength(3);
    expect(delays).toStrictEqual([2000, 2000]);
  });

  it('returns the answer of a retry that succeeds, with the retries counted', async () => {
    let calls = 0;
    upstream.respond(() => (++calls === 1 ? unavailable : { status: 200, body: { created: 1700000000, data: [{ b64_json: 'aGVsbG8=' }] } }));
    const { sleep, delays } = recordingSleep();
    const router = createRouter({ model_list: [deployment('g', 'a', openaiAt(upstream))] }, { sleep, random: () => 0 });
    const response = await generate(router, { model: 'g' });
    expect(JSON.parse(JSON.stringify(response))).toStrictEqual({ created: 1700000000, data: [{ b64_json: 'aGVsbG8=' }] });
    expect(routingOf(response)).toStrictEqual({ model_group: 'g', model_id: 'a', provider: 'openai', attempted_retries: 1, attempted_fallbacks: 0 });
    expect(delays).toStrictEqual([500]);
  });

  it('does not retry a 401 on the only deployment', async () => {
    upstream.respond({ status: 401, body: { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } } });
    const { sleep, delays } = recordingSleep();
    const router = createRouter({ model_list: [deployment('g', 'a', openaiAt(upstream))], router_settings: { num_retries: 3 } }, { sleep });
    const error = await failure(generate(router, { model: 'g' }));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(upstream.requests).toHaveLength(1);
    expect(delays).toStrictEqual([]);
    expect(error.routing?.attempted_retries).toBe(0);
  });
});

describe('retries with a healthy peer', () => {
  it('sends the retry to the peer at once, without sleeping', async () => {
    upstream.respond(unavailable);
    const { sleep, delays } = recordingSleep();
    // random 0 would pick "a" every time: the retry must still go to "b", which has not failed.
    const router = createRouter({ model_list: [deployment('g', 'a', openaiAt(upstream)), deployment('g', 'b', openaiAt(peer))] }, { sleep, random: () => 0 });
    const response = await generate(router, { model: 'g' });
    expect(routingOf(response)).toStrictEqual({ model_group: 'g', model_id: 'b', provider: 'openai', attempted_retries: 1, attempted_fallbacks: 0 });
    expect(upstream.requests).toHaveLength(1);
    expect(peer.requests).toHaveLength(1);
    expect(delays).toStrictEqual([]);
  });

  it('backs off only once every deployment of the group has failed in this call', async () => {
    upstream.respond(unavailable);
    peer.respond(unavailable);
    const { sleep, delays } = recordingSleep();
    const router = createRouter(
      { model_list: [deployment('g', 'a', openaiAt(upstream)), deployment('g', 'b', openaiAt(peer))], router_settings: { num_retries: 2, cooldown_time: 0 } },
      { sleep, random: () => 0 },
    );
    const error = await failure(generate(router, { model: 'g' }));
    expect(error.status).toBe(503);
    // a fails, b takes the retry at once, then both have failed: the second retry waits (backoff of retry 2).
    expect(upstream.requests.length + peer.requests.length).toBe(3);
    expect(peer.requests).toHaveLength(1);
    expect(delays).toStrictEqual([1000]);
    expect(error.routing).toMatchObject({ attempted_retries: 2 });
  });

  it('excludes a deployment that answered 401 for the rest of the call; the peer serves', async () => {
    upstream.respond({ status: 401, body: { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } } });
    const { sleep, delays } = recordingSleep();
    const router = createRouter(
      { model_list: [deployment('g', 'a', openaiAt(upstream)), deployment('g', 'b', openaiAt(peer))], router_settings: { num_retries: 5, cooldown_time: 0 } },
      { sleep, random: () => 0 },
    );
    const first = await generate(router, { model: 'g' });
    expect(routingOf(first)).toMatchObject({ model_id: 'b', attempted_retries: 1 });
    expect(upstream.requests).toHaveLength(1);
    expect(delays).toStrictEqual([]);
    // Only for that call: the next call tries "a" again.
    const second = await generate(router, { model: 'g' });
    expect(routingOf(second)).toMatchObject({ model_id: 'b', attempted_retries: 1 });
    expect(upstream.requests).toHaveLength(2);
    expect(peer.requests).toHaveLength(2);
  });

  it('never goes back to a 401 deployment in the same call, even when the peer keeps failing', async () => {
    upstream.respond({ status: 401, body: { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } } });
    peer.respond(unavailable);
    const { sleep, delays } = recordingSleep();
    const router = createRouter(
      { model_list: [deployment('g', 'a', openaiAt(upstream)), deployment('g', 'b', openaiAt(peer))], router_settings: { num_retries: 3, cooldown_time: 0 } },
      { sleep, random: () => 0 },
    );
    const error = await failure(generate(router, { model: 'g' }));
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect([upstream.requests.length, peer.requests.length]).toStrictEqual([1, 3]);
    // b takes the first retry at once; the later ones back off (retries 2 and 3).
    expect(delays).toStrictEqual([1000, 2000]);
    expect(error.routing).toMatchObject({ model_id: 'b', attempted_retries: 3 });
  });
});

describe('request errors', () => {
  it('never retries nor falls back on an UnsupportedParamsError', async () => {
    const { sleep, delays } = recordingSleep();
    const router = createRouter(
      {
        model_list: [
          deployment('square', 's1', { model: 'mock/square-1', size: '256x256' }),
          deployment('square', 's2', { model: 'mock/square-1', size: '256x256' }),
          deployment('other', 'o1', openaiAt(peer)),
        ],
        router_settings: { num_retries: 3, fallbacks: [{ square: ['other'] }] },
      },
      { sleep },
    );
    let upstreamCalls = 0;
    const error = await failure(generate(router, { model: 'square', n: 9 }, { onUpstreamDuration: () => upstreamCalls++ }));
    expect(error).toBeInstanceOf(UnsupportedParamsError);
    expect(error.status).toBe(400);
    expect(error.param).toBe('n');
    expect(upstreamCalls).toBe(0);
    expect(peer.requests).toHaveLength(0);
    expect(delays).toStrictEqual([]);
    expect(error.routing).toMatchObject({ model_group: 'square', attempted_retries: 0, attempted_fallbacks: 0 });
  });

  it('never retries nor falls back on a 400 from the upstream', async () => {
    upstream.respond({ status: 400, body: { error: { message: 'Your prompt was rejected.', type: 'invalid_request_error', param: 'prompt', code: null } } });
    const fallback = peer;
    const router = createRouter({
      model_list: [deployment('g', 'a', openaiAt(upstream)), deployment('g', 'b', openaiAt(upstream)), deployment('f', 'f1', openaiAt(fallback))],
      router_settings: { num_retries: 3, fallbacks: [{ g: ['f'] }] },
    });
    const error = await failure(generate(router, { model: 'g' }));
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.message).toContain('Your prompt was rejected.');
    expect(upstream.requests).toHaveLength(1);
    expect(fallback.requests).toHaveLength(0);
  });
});
