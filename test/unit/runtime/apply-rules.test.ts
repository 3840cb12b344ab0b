import { beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../../../generated/registry.js';
import { BadRequestError, UnsupportedParamsError } from '../../../src/errors/classes.js';
import type { ProviderDefinition } from '../../../src/provider/types.js';
import { applyRules, type RulesInput } from '../../../src/rules/apply-rules.js';

let openai: ProviderDefinition;
let azure: ProviderDefinition;
let compatible: ProviderDefinition;

beforeAll(async () => {
  [openai, azure, compatible] = await Promise.all([registry.load('openai'), registry.load('azure'), registry.load('openai-compatible')]);
});

function input(provider: () => ProviderDefinition, model: string, params: Record<string, unknown>, extra: Partial<RulesInput> = {}): RulesInput {
  return { provider: provider(), model, apiVersion: undefined, baseModel: undefined, params: { prompt: 'a fox', ...params }, dropParams: false, ...extra };
}

function rejection(rulesInput: RulesInput): BadRequestError {
  try {
    applyRules(rulesInput);
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestError);
    return error as BadRequestError;
  }
  throw new Error('expected applyRules to throw');
}

describe('applyRules on openai', () => {
  it.each([
    ['dall-e-3', { quality: 'low' }, 'quality'],
    ['dall-e-3', { n: 2 }, 'n'],
    ['dall-e-3', { size: '256x256' }, 'size'],
    ['dall-e-3', { background: 'transparent' }, 'background'],
    ['dall-e-2', { n: 11 }, 'n'],
    ['dall-e-2', { n: 0 }, 'n'],
    ['dall-e-2', { style: 'vivid' }, 'style'],
    ['gpt-image-1', { style: 'vivid' }, 'style'],
    ['gpt-image-1', { response_format: 'url' }, 'response_format'],
    ['gpt-image-1', { size: '1536x864' }, 'size'],
    ['gpt-image-1', { output_compression: 50 }, 'output_compression'],
    ['gpt-image-1', { output_compression: 50, output_format: 'png' }, 'output_compression'],
    ['gpt-image-1', { partial_images: 4 }, 'partial_images'],
  ])('%s rejects %j (param %s) with UnsupportedParamsError', (model, params, param) => {
    const error = rejection(input(() => openai, model, params));
    expect(error).toBeInstanceOf(UnsupportedParamsError);
    expect(error.param).toBe(param);
    expect(error.status).toBe(400);
    expect(error.provider).toBe('openai');
    expect(error.model).toBe(model);
    expect(error.message).toContain(param);
    expect(error.message).toContain('drop_params');
  });

  it.each([
    ['dall-e-2', { n: 10, size: '512x512', quality: 'standard', response_format: 'b64_json', user: 'u1' }],
    ['dall-e-3', { n: 1, size: '1792x1024', quality: 'hd', style: 'natural' }],
    ['gpt-image-1', { output_compression: 0, output_format: 'jpeg', background: 'transparent', moderation: 'low' }],
    ['gpt-image-1.5', { output_compression: 100, output_format: 'webp', stream: true, partial_images: 3 }],
    ['gpt-image-2', { size: '1536x864' }],
    ['gpt-image-2', { size: '3840x2160' }],
    ['gpt-image-2-2026-04-21', { size: '2160x3840' }],
  ])('%s accepts %j unchanged with no warnings', (model, params) => {
    const outcome = applyRules(input(() => openai, model, params));
    expect(outcome).toMatchObject({ params: { prompt: 'a fox', ...params }, extras: {}, warnings: [] });
  });

  it.each([
    ['1000x1000', 'divisible by 16'],
    ['4096x1024', 'edge over 3840'],
    ['3840x1088', 'aspect ratio'],
    ['1088x3840', 'aspect ratio'],
  ])('gpt-image-2 rejects custom size %s (%s)', (size, why) => {
    const error = rejection(input(() => openai, 'gpt-image-2', { size }));
    expect(error.param).toBe('size');
    expect(error.message).toContain(size);
    expect(error.message).toContain(why);
  });

  it('a dall-e-2 prompt over 1000 characters is a BadRequestError on prompt, even with drop_params', () => {
    const prompt = 'x'.repeat(1001);
    for (const dropParams of [false, true]) {
      const error = rejection({ ...input(() => openai, 'dall-e-2', {}), params: { prompt }, dropParams });
      expect(error).not.toBeInstanceOf(UnsupportedParamsError);
      expect(error.param).toBe('prompt');
      expect(error.code).toBe('prompt_too_long');
      expect(error.message).toContain('1001');
      expect(error.message).toContain('1000');
    }
    expect(applyRules({ ...input(() => openai, 'dall-e-2', {}), params: { prompt: 'x'.repeat(1000) } }).params['prompt']).toHaveLength(1000);
  });

  it('drop_params removes every unsupported param, warns in sorted param order and keeps the rest', () => {
    const outcome = applyRules(
      input(() => openai, 'dall-e-3', { style: 'vivid', size: '1024x1024', quality: 'low', background: 'opaque', n: 3 }, { dropParams: true }),
    );
    expect(outcome.params).toEqual({ prompt: 'a fox', style: 'vivid', size: '1024x1024' });
    expect(outcome.warnings.map((w) => w.param)).toEqual(['background', 'n', 'quality']);
    expect(outcome.warnings.every((w) => w.code === 'param-dropped' && w.message.includes(w.param!))).toBe(true);
  });

  it('does not mutate the caller params when dropping', () => {
    const params = { prompt: 'a fox', style: 'vivid' };
    applyRules({ ...input(() => openai, 'gpt-image-1', {}), params, dropParams: true });
    expect(params).toEqual({ prompt: 'a fox', style: 'vivid' });
  });

  it('an uncatalogued openai model passes params through with an unvalidated-model warning', () => {
    const outcome = applyRules(input(() => openai, 'gpt-image-9', { style: 'anything', size: '7x7' }));
    expect(outcome.params).toEqual({ prompt: 'a fox', style: 'anything', size: '7x7' });
    expect(outcome.warnings).toHaveLength(1);
    expect(outcome.warnings[0]).toMatchObject({ code: 'unvalidated-model' });
    expect(outcome.warnings[0]!.message).toContain('gpt-image-9');
  });
});

describe('applyRules on openai-compatible', () => {
  it('sends everything unvalidated with one unvalidated-model warning', () => {
    const params = { size: '777x333', style: 'natural', n: 10 };
    const outcome = applyRules(input(() => compatible, 'my-sd-model', params));
    expect(outcome.params).toEqual({ prompt: 'a fox', ...params });
    expect(outcome.warnings).toEqual([{ code: 'unvalidated-model', message: expect.stringContaining('my-sd-model') as string }]);
  });

  it('rejects a base_model when the catalog has no models', () => {
    const error = rejection(input(() => compatible, 'my-sd-model', {}, { baseModel: 'dall-e-3' }));
    expect(error.param).toBe('base_model');
  });
});

describe('applyRules on azure', () => {
  const preview = '2025-04-01-preview';

  it('rejects moderation, which the Azure mapping does not send, and drops it with drop_params', () => {
    const error = rejection(input(() => azure, 'gpt-image-1', { moderation: 'low' }, { apiVersion: preview }));
    expect(error).toBeInstanceOf(UnsupportedParamsError);
    expect(error.param).toBe('moderation');
    const dropped = applyRules(input(() => azure, 'gpt-image-1', { moderation: 'low', quality: 'low' }, { apiVersion: preview, dropParams: true }));
    expect(dropped.params).toEqual({ prompt: 'a fox', quality: 'low' });
    expect(dropped.warnings).toEqual([expect.objectContaining({ code: 'param-dropped', param: 'moderation' })]);
  });

  it('applies model and api-version rules together', () => {
    // webp is fine for OpenAI's gpt-image-1 but not Azure's; hd is fine for the api version but not the model.
    expect(rejection(input(() => azure, 'gpt-image-1', { output_format: 'webp' }, { apiVersion: preview })).param).toBe('output_format');
    expect(rejection(input(() => azure, 'gpt-image-1', { quality: 'hd' }, { apiVersion: preview })).param).toBe('quality');
    expect(rejection(input(() => azure, 'dall-e-3', { n: 2 }, { apiVersion: '2024-10-21' })).param).toBe('n');
  });

  it('a custom deployment with base_model gets that model’s rules and no warning', () => {
    const error = rejection(input(() => azure, 'prod-images', { style: 'vivid' }, { apiVersion: preview, baseModel: 'gpt-image-1' }));
    expect(error.param).toBe('style');
    expect(error.message).toContain('gpt-image-1');
    const ok = applyRules(input(() => azure, 'prod-images', { style: 'vivid', n: 1 }, { apiVersion: preview, baseModel: 'dall-e-3' }));
    expect(ok).toMatchObject({ params: { prompt: 'a fox', style: 'vivid', n: 1 }, extras: {}, warnings: [] });
  });

  it('an unknown base_model is a BadRequestError listing the catalog', () => {
    const error = rejection(input(() => azure, 'prod-images', {}, { apiVersion: preview, baseModel: 'gpt-image-7' }));
    expect(error).not.toBeInstanceOf(UnsupportedParamsError);
    expect(error.param).toBe('base_model');
    expect(error.message).toContain('gpt-image-7');
    expect(error.message).toContain('dall-e-3, gpt-image-1');
  });

  it('a custom deployment without base_model warns and still applies the api-version rules', () => {
    const outcome = applyRules(input(() => azure, 'my-company-images', { quality: 'medium' }, { apiVersion: preview }));
    expect(outcome.params).toEqual({ prompt: 'a fox', quality: 'medium' });
    expect(outcome.warnings).toEqual([expect.objectContaining({ code: 'unvalidated-model', message: expect.stringContaining('base_model') as string })]);
    expect(rejection(input(() => azure, 'my-company-images', { quality: 'ultra' }, { apiVersion: preview })).param).toBe('quality');
  });

  it('an unknown api_version warns and still applies the model rules', () => {
    const outcome = applyRules(input(() => azure, 'gpt-image-1', { quality: 'high' }, { apiVersion: '2025-99-01-preview' }));
    expect(outcome.params).toEqual({ prompt: 'a fox', quality: 'high' });
    expect(outcome.warnings).toEqual([expect.objectContaining({ code: 'unvalidated-model', message: expect.stringContaining('2025-99-01-preview') as string })]);
    expect(rejection(input(() => azure, 'gpt-image-1', { quality: 'hd' }, { apiVersion: '2025-99-01-preview' })).param).toBe('quality');
  });
});
