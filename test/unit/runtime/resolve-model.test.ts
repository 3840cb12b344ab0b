import { describe, expect, it } from 'vitest';
import { registry } from '../../../generated/registry.js';
import { BadRequestError } from '../../../src/errors/classes.js';
import { resolveModel } from '../../../src/dispatch/resolve-model.js';

function errorOf(fn: () => unknown): BadRequestError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestError);
    return error as BadRequestError;
  }
  throw new Error('expected a BadRequestError');
}

describe('resolveModel: model prefixes and bare names', () => {
  it.each(['dall-e-2', 'dall-e-3', 'gpt-image-1', 'gpt-image-1-mini', 'gpt-image-1.5', 'gpt-image-2', 'gpt-image-2-2026-04-21'])(
    'bare catalog model %s -> openai, name unchanged',
    (model) => {
      expect(resolveModel(registry, model, undefined)).toEqual({ providerId: 'openai', model, requested: model });
    },
  );

  it.each([
    ['gpt-image-9', 'openai', 'gpt-image-9'],
    ['dall-e-4', 'openai', 'dall-e-4'],
    ['openai/dall-e-3', 'openai', 'dall-e-3'],
    ['openai/gpt-image-9', 'openai', 'gpt-image-9'],
    ['openai/my-model', 'openai-compatible', 'my-model'],
    ['azure/my-deploy', 'azure', 'my-deploy'],
    ['azure/dall-e-3', 'azure', 'dall-e-3'],
  ])('%s -> %s with model %s', (requested, providerId, model) => {
    expect(resolveModel(registry, requested, undefined)).toEqual({ providerId, model, requested });
  });

  it('an undefined model is the default model gpt-image-1 on openai', () => {
    expect(resolveModel(registry, undefined, undefined)).toEqual({ providerId: 'openai', model: 'gpt-image-1', requested: 'gpt-image-1' });
  });

  it.each(['azure/', 'openai/'])('%s names a provider but no model -> BadRequestError param model', (requested) => {
    const error = errorOf(() => resolveModel(registry, requested, undefined));
    expect(error.param).toBe('model');
    expect(error.message).toContain(`${requested}<model>`);
  });

  it.each(['foo-model', 'constructor', 'toString'])('unknown %s -> BadRequestError naming the prefixes', (requested) => {
    const error = errorOf(() => resolveModel(registry, requested, undefined));
    expect(error.param).toBe('model');
    expect(error.code).toBe('model_not_found');
    expect(error.message).toContain(`"${requested}"`);
    expect(error.message).toContain('openai/');
    expect(error.message).toContain('azure/');
    expect(error.message).toContain('custom_llm_provider');
  });
});

describe('resolveModel: custom_llm_provider', () => {
  it.each([
    // [custom provider, model, provider id, model sent]
    ['openai_like', 'flux-schnell', 'openai-compatible', 'flux-schnell'],
    ['custom_openai', 'dall-e-3', 'openai-compatible', 'dall-e-3'],
    ['openai-compatible', 'openai/dall-e-3', 'openai-compatible', 'openai/dall-e-3'],
    ['openai_like', 'azure/x', 'openai-compatible', 'azure/x'],
    ['azure_openai', 'my-deploy', 'azure', 'my-deploy'],
    ['azure_openai', 'azure/my-deploy', 'azure', 'my-deploy'],
    ['azure', 'openai/dall-e-3', 'azure', 'openai/dall-e-3'],
    ['openai', 'openai/my-model', 'openai', 'my-model'],
    ['openai', 'foo-model', 'openai', 'foo-model'],
  ])('%s with %s -> %s, model %s', (custom, requested, providerId, model) => {
    expect(resolveModel(registry, requested, custom)).toEqual({ providerId, model, requested });
  });

  it('uses the default model when only the provider is given', () => {
    expect(resolveModel(registry, undefined, 'azure_openai')).toEqual({ providerId: 'azure', model: 'gpt-image-1', requested: 'gpt-image-1' });
  });

  it.each(['no-such-provider', 'constructor', '__proto__'])('unknown custom_llm_provider %s -> BadRequestError param custom_llm_provider', (custom) => {
    const error = errorOf(() => resolveModel(registry, 'dall-e-3', custom));
    expect(error.param).toBe('custom_llm_provider');
    expect(error.message).toContain(`"${custom}"`);
    expect(error.message).toContain('openai_like');
    expect(error.message).toContain('azure_openai');
  });

  it('a same-provider prefix with no model after it is still rejected (azure/ with custom_llm_provider azure)', () => {
    const error = errorOf(() => resolveModel(registry, 'azure/', 'azure'));
    expect(error.param).toBe('model');
  });
});
