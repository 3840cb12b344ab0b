// least-busy: the deployment with the fewest requests in flight takes the next one.
import { describe, expect, it } from 'vitest';
import { createRouter, deployment, generate, mockAt, routingOf } from './helpers.js';

describe('least-busy', () => {
  it('sends the next call to the idle deployment while the other is busy', async () => {
    // random 0 breaks every tie towards "a": only the in-flight count can send a call to "b".
    const router = createRouter(
      {
        model_list: [deployment('g', 'a', mockAt({ mock_latency_ms: 250 })), deployment('g', 'b', mockAt({ mock_latency_ms: 10 }))],
        router_settings: { routing_strategy: 'least-busy' },
      },
      { random: () => 0 },
    );
    const first = generate(router, { model: 'g' }); // both idle: the tie goes to a
    const second = generate(router, { model: 'g' }); // a has one in flight
    expect(routingOf(await second).model_id).toBe('b');
    // b is done, a still works on the first call.
    const third = generate(router, { model: 'g' });
    expect(routingOf(await third).model_id).toBe('b');
    expect(routingOf(await first).model_id).toBe('a');
    // Both idle again: the tie goes to a.
    expect(routingOf(await generate(router, { model: 'g' })).model_id).toBe('a');
  });

  it('spreads concurrent calls evenly over equally fast deployments', async () => {
    const router = createRouter(
      {
        model_list: [deployment('g', 'a', mockAt({ mock_latency_ms: 100 })), deployment('g', 'b', mockAt({ mock_latency_ms: 100 })), deployment('g', 'c', mockAt({ mock_latency_ms: 100 }))],
        router_settings: { routing_strategy: 'least-busy' },
      },
      { random: () => 0 },
    );
    const results = await Promise.all(Array.from({ length: 6 }, () => generate(router, { model: 'g' })));
    expect(results.map((r) => routingOf(r).model_id)).toStrictEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });
});
