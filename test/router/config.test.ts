// The constructor checks the config like a config file: a bad one is a ConfigError naming the path.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { NotFoundError } from '../../src/errors/classes.js';
import type { RouterConfig } from '../../src/router/router-settings.js';
import { createRouter, deployment, failure, generate, mockAt } from './helpers.js';

function configError(config: RouterConfig): ConfigError {
  try {
    createRouter(config);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const groups = [deployment('a', 'a1', mockAt()), deployment('b', 'b1', mockAt())];

describe('Router config errors', () => {
  it('names a fallback group that does not exist', () => {
    const error = configError({ model_list: groups, router_settings: { fallbacks: [{ a: ['b', 'nope'] }] } });
    expect(error.message).toContain('router_settings.fallbacks[0] names model group "nope", which no model_list entry has');
    expect(error.message).toContain('groups: a, b');
  });

  it('names an unknown group on the left of a fallback in litellm_settings', () => {
    const error = configError({ model_list: groups, litellm_settings: { fallbacks: [{ nope: ['a'] }] } });
    expect(error.message).toContain('litellm_settings.fallbacks[0] names model group "nope"');
  });

  it('rejects a group that falls back to itself', () => {
    const error = configError({ model_list: groups, router_settings: { fallbacks: [{ a: ['a'] }] } });
    expect(error.message).toContain('router_settings.fallbacks[0] makes model group "a" fall back to itself');
  });

  it('names a routing_strategy that does not exist and lists the valid ones', () => {
    const error = configError({ model_list: groups, router_settings: { routing_strategy: 'round-robin' as 'simple-shuffle' } });
    expect(error.message).toContain('router_settings.routing_strategy is "round-robin", which is not allowed: use one of simple-shuffle, least-busy, latency-based-routing');
  });

  it('names a repeated deployment id', () => {
    const error = configError({ model_list: [deployment('a', 'same', mockAt()), deployment('a', 'same', mockAt())] });
    expect(error.message).toContain('model_list[1].model_info.id repeats the id "same" of model_list[0]');
  });

  it('names an rpm below 1', () => {
    const error = configError({ model_list: [deployment('a', 'a1', mockAt({ rpm: 0 }))] });
    expect(error.message).toContain('model_list[0].litellm_params.rpm must be >= 1');
  });
});

describe('Router model groups', () => {
  it('lists its groups and answers 404 for any other model', async () => {
    const router = createRouter({ model_list: groups });
    expect(router.modelGroups()).toStrictEqual(['a', 'b']);
    const error = await failure(generate(router, { model: 'mock/image-1' }));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.code).toBe('model_not_found');
    expect(error.message).toContain('Available model groups: a, b');
  });
});
