// rpm: a deployment takes at most rpm requests in any 60-second window.
import { describe, expect, it } from 'vitest';
import { RateLimitError } from '../../src/errors/classes.js';
import { createRouter, deployment, failure, fakeClock, generate, mockAt, routingOf } from './helpers.js';

describe('rpm limits', () => {
  it('gives a deployment no 3rd request within the minute, then 429s with retry-after until the window moves on', async () => {
    const clock = fakeClock();
    // random 0 always picks "a" when it may take the request.
    const router = createRouter({ model_list: [deployment('g', 'a', mockAt({ rpm: 2 })), deployment('g', 'b', mockAt({ rpm: 2 }))] }, { now: clock.now, random: () => 0 });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(routingOf(await generate(router, { model: 'g' })).model_id!);
    expect(ids).toStrictEqual(['a', 'a', 'b', 'b']);

    const full = await failure(generate(router, { model: 'g' }));
    expect(full).toBeInstanceOf(RateLimitError);
    expect(full.status).toBe(429);
    expect(full.code).toBe('no_deployment_available');
    expect(full.headers['retry-after']).toBe('60');
    expect(full.message).toContain('rpm limit');
    expect(full.routing).toStrictEqual({ model_group: 'g', model_id: null, provider: null, attempted_retries: 0, attempted_fallbacks: 0 });

    clock.advance(59_000);
    const stillFull = await failure(generate(router, { model: 'g' }));
    expect(stillFull.code).toBe('no_deployment_available');
    expect(stillFull.headers['retry-after']).toBe('1');

    clock.advance(1_000);
    expect(routingOf(await generate(router, { model: 'g' })).model_id).toBe('a');
  });

  it('counts a sliding window: a request leaves it 60 s after it was sent', async () => {
    const clock = fakeClock();
    const router = createRouter({ model_list: [deployment('g', 'a', mockAt({ rpm: 2 }))] }, { now: clock.now });
    await generate(router, { model: 'g' });
    clock.advance(30_000);
    await generate(router, { model: 'g' });
    clock.advance(29_999);
    expect((await failure(generate(router, { model: 'g' }))).headers['retry-after']).toBe('1');
    clock.advance(1); // the first request is 60 s old: one slot is free, the second request still holds the other
    await generate(router, { model: 'g' });
    const full = await failure(generate(router, { model: 'g' }));
    expect(full.headers['retry-after']).toBe('30');
  });

  it('sends the request to a fallback group when every deployment is at its limit', async () => {
    const clock = fakeClock();
    const router = createRouter(
      {
        model_list: [deployment('a', 'a1', mockAt({ rpm: 1 })), deployment('b', 'b1', mockAt())],
        router_settings: { fallbacks: [{ a: ['b'] }] },
      },
      { now: clock.now },
    );
    expect(routingOf(await generate(router, { model: 'a' }))).toMatchObject({ model_id: 'a1', attempted_fallbacks: 0 });
    expect(routingOf(await generate(router, { model: 'a' }))).toStrictEqual({
      model_group: 'a',
      model_id: 'b1',
      provider: 'mock',
      attempted_retries: 0,
      attempted_fallbacks: 1,
    });
  });
});
