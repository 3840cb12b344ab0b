// simple-shuffle: a weighted random pick, weighted by weight, else by rpm, else uniform.
import { describe, expect, it } from 'vitest';
import { createRouter, deployment, fakeClock, generate, mockAt, routingOf, seededRandom, tally, type Deployment } from './helpers.js';

const BATCH = 100;

/** Sends `calls` requests to group g and returns each deployment's share in percent. */
async function shares(model_list: Deployment[], seed: number, calls: number): Promise<Record<string, number>> {
  const clock = fakeClock();
  const router = createRouter({ model_list, router_settings: { routing_strategy: 'simple-shuffle' } }, { random: seededRandom(seed), now: clock.now });
  const ids: string[] = [];
  for (let sent = 0; sent < calls; sent += BATCH) {
    const batch = await Promise.all(Array.from({ length: BATCH }, () => generate(router, { model: 'g' })));
    ids.push(...batch.map((response) => routingOf(response).model_id!));
    // A fresh rpm window per batch: no deployment ever reaches its rpm limit here (BATCH <= the smallest rpm).
    clock.advance(60_000);
  }
  const counts = tally(ids);
  return Object.fromEntries(model_list.map((d) => [d.model_info!.id as string, ((counts[d.model_info!.id as string] ?? 0) / calls) * 100]));
}

describe('simple-shuffle', () => {
  it('splits traffic by weight: weights 1 and 3 give 25% / 75%', async () => {
    const split = await shares([deployment('g', 'a', mockAt({ weight: 1 })), deployment('g', 'b', mockAt({ weight: 3 }))], 1, 4000);
    expect(split['a']).toBeGreaterThanOrEqual(22);
    expect(split['a']).toBeLessThanOrEqual(28);
    expect(split['b']).toBeGreaterThanOrEqual(72);
    expect(split['b']).toBeLessThanOrEqual(78);
  });

  it('uses rpm as the weights when no deployment sets a weight', async () => {
    const split = await shares([deployment('g', 'a', mockAt({ rpm: 100 })), deployment('g', 'b', mockAt({ rpm: 300 }))], 2, 2000);
    expect(split['a']).toBeGreaterThanOrEqual(22);
    expect(split['a']).toBeLessThanOrEqual(28);
  });

  it('prefers weight over rpm when both are set', async () => {
    // By rpm this would be 90% / 10%.
    const split = await shares([deployment('g', 'a', mockAt({ weight: 1, rpm: 900 })), deployment('g', 'b', mockAt({ weight: 3, rpm: 100 }))], 3, 2000);
    expect(split['a']).toBeGreaterThanOrEqual(22);
    expect(split['a']).toBeLessThanOrEqual(28);
  });

  it('is uniform when no deployment sets weight or rpm', async () => {
    const split = await shares([deployment('g', 'a', mockAt()), deployment('g', 'b', mockAt()), deployment('g', 'c', mockAt())], 4, 2000);
    for (const id of ['a', 'b', 'c']) {
      expect(split[id]).toBeGreaterThanOrEqual(100 / 3 - 3);
      expect(split[id]).toBeLessThanOrEqual(100 / 3 + 3);
    }
  });
});
