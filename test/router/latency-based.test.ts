// latency-based-routing: once measured, the faster deployment takes the traffic.
import { describe, expect, it } from 'vitest';
import { createRouter, deployment, generate, mockAt, routingOf } from './helpers.js';

describe('latency-based-routing', () => {
  it('measures every deployment once, then sends the traffic to the faster one', async () => {
    // random 0 breaks ties towards "a", the slow one: only measured latency can prefer "b".
    const router = createRouter(
      {
        model_list: [deployment('g', 'slow', mockAt({ mock_latency_ms: 60 })), deployment('g', 'fast', mockAt({ mock_latency_ms: 5 }))],
        router_settings: { routing_strategy: 'latency-based-routing' },
      },
      { random: () => 0 },
    );
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(routingOf(await generate(router, { model: 'g' })).model_id!);
    expect(ids).toStrictEqual(['slow', 'fast', 'fast', 'fast', 'fast', 'fast', 'fast', 'fast', 'fast', 'fast']);
  });

  it('counts a failed call as slow, so traffic leaves a fast deployment that fails', async () => {
    const router = createRouter(
      {
        model_list: [deployment('g', 'slower', mockAt({ mock_latency_ms: 60 })), deployment('g', 'fast', mockAt({ mock_latency_ms: 1 }))],
        router_settings: { routing_strategy: 'latency-based-routing', num_retries: 0 },
      },
      { random: () => 0 },
    );
    expect(routingOf(await generate(router, { model: 'g' })).model_id).toBe('slower');
    expect(routingOf(await generate(router, { model: 'g' })).model_id).toBe('fast');
    expect(routingOf(await generate(router, { model: 'g' })).model_id).toBe('fast');
    // A request param that makes the mock upstream answer 503 on whichever deployment is picked.
    await expect(generate(router, { model: 'g', mock_error: 503 })).rejects.toMatchObject({ status: 503, routing: { model_id: 'fast' } });
    expect(routingOf(await generate(router, { model: 'g' })).model_id).toBe('slower');
  });
});
