// Per-deployment timeouts: litellm_params.timeout bounds each attempt on that deployment.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TimeoutError } from '../../src/errors/classes.js';
import { defaultImageResponse, startRecordingServer, type RecordingServer } from '../helpers/recording-server.js';
import { createRouter, deployment, failure, generate, mockAt, openaiAt, routingOf } from './helpers.js';

let slow: RecordingServer;
beforeEach(async () => {
  slow = await startRecordingServer();
  slow.respond({ ...defaultImageResponse, delayMs: 2_000 });
});
afterEach(async () => {
  await slow.close();
});

describe('per-deployment timeout', () => {
  it('fails with a 408 TimeoutError after the deployment timeout, not the router default', async () => {
    const router = createRouter({
      model_list: [deployment('g', 'a', openaiAt(slow, { timeout: 0.2 }))],
      router_settings: { num_retries: 0, timeout: 30 },
    });
    const started = performance.now();
    const error = await failure(generate(router, { model: 'g' }));
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.status).toBe(408);
    expect(error.message).toContain('timed out after 0.2 s');
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(1_000);
    expect(slow.requests).toHaveLength(1);
  });

  it('lets a peer take the retry after a timeout', async () => {
    const router = createRouter(
      {
        model_list: [deployment('g', 'a', openaiAt(slow, { timeout: 0.2 })), deployment('g', 'b', mockAt())],
        router_settings: { num_retries: 1 },
      },
      { random: () => 0 },
    );
    const started = performance.now();
    const response = await generate(router, { model: 'g' });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(routingOf(response)).toMatchObject({ model_id: 'b', attempted_retries: 1, attempted_fallbacks: 0 });
    expect(slow.requests).toHaveLength(1);
  });

  it('lets a fallback serve after a timeout', async () => {
    const router = createRouter({
      model_list: [deployment('g', 'a', openaiAt(slow, { timeout: 0.2 })), deployment('f', 'f1', mockAt())],
      router_settings: { num_retries: 0, fallbacks: [{ g: ['f'] }] },
    });
    const started = performance.now();
    const response = await generate(router, { model: 'g' });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(routingOf(response)).toMatchObject({ model_id: 'f1', attempted_retries: 0, attempted_fallbacks: 1 });
  });
});
