// Shared pieces of the router tests: injected clock, random and sleep, and small call helpers.
import { expect } from 'vitest';
import { ImagegateError, type RoutingInfo } from '../../src/errors/classes.js';
import type { ImageGenerationParams } from '../../src/image-generation.js';
import type { ImageResponse } from '../../src/response/image-response.js';
import { Router, type RouteCallOptions, type RouterOptions } from '../../src/router/router.js';
import type { RouterConfig } from '../../src/router/router-settings.js';
import type { RecordingServer } from '../helpers/recording-server.js';

export type Deployment = RouterConfig['model_list'][number];
export type LitellmParams = Deployment['litellm_params'];

/** mulberry32: a small seeded generator, so a distribution test sees the same draws every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FakeClock {
  now: () => number;
  advance(ms: number): void;
}

export function fakeClock(start = 1_700_000_000_000): FakeClock {
  let current = start;
  return {
    now: () => current,
    advance(ms) {
      current += ms;
    },
  };
}

export interface RecordedSleep {
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Every delay the router asked for, in order. */
  delays: number[];
}

/** A sleep that returns at once and remembers what it was asked to wait. */
export function recordingSleep(): RecordedSleep {
  const delays: number[] = [];
  return {
    delays,
    sleep: async (ms) => {
      delays.push(ms);
    },
  };
}

/** A deployment of model group `group` with the given id. */
export function deployment(group: string, id: string, litellm_params: LitellmParams): Deployment {
  return { model_name: group, litellm_params, model_info: { id } };
}

/** litellm_params of an in-process mock deployment; small images keep each call cheap. */
export function mockAt(extra: Record<string, unknown> = {}): LitellmParams {
  return { model: 'mock/image-1', size: '64x64', ...extra };
}

/** litellm_params of an OpenAI-shaped deployment whose upstream is a local recording server. */
export function openaiAt(server: RecordingServer, extra: Record<string, unknown> = {}): LitellmParams {
  return { model: 'openai/gpt-image-1', api_base: `${server.url}/v1`, api_key: 'sk-test', ...extra };
}

export function createRouter(config: RouterConfig, options: RouterOptions = {}): Router {
  // sleep defaults to an instant one: a test that forgets to inject it must not wait for real backoff.
  return new Router(config, { env: {}, sleep: async () => {}, ...options });
}

export function generate(router: Router, params: Partial<ImageGenerationParams> & Record<string, unknown>, options?: RouteCallOptions): Promise<ImageResponse> {
  return router.imageGeneration({ prompt: 'a red fox', ...params } as ImageGenerationParams & { stream?: false }, options);
}

export function routingOf(response: ImageResponse): RoutingInfo {
  const routing = response._hidden_params.routing;
  expect(routing).toBeDefined();
  return routing!;
}

export async function failure(promise: Promise<unknown>): Promise<ImagegateError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ImagegateError);
    return error as ImagegateError;
  }
  throw new Error('expected the call to fail');
}

/** How many calls each deployment id served. */
export function tally(ids: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const id of ids) counts[id] = (counts[id] ?? 0) + 1;
  return counts;
}
