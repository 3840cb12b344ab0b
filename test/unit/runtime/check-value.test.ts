import { beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../../../generated/registry.js';
import type { ParamRule, ProviderDefinition } from '../../../src/provider/types.js';
import { checkValue } from '../../../src/rules/check-value.js';

let openai: ProviderDefinition;
let azure: ProviderDefinition;

beforeAll(async () => {
  [openai, azure] = await Promise.all([registry.load('openai'), registry.load('azure')]);
});

function rule(provider: () => ProviderDefinition, model: string, param: string): ParamRule {
  const found = provider().catalog.models[model]?.params[param];
  if (found === undefined) throw new Error(`no rule for ${model} ${param}`);
  return found;
}

describe('checkValue: enums', () => {
  it.each([
    ['dall-e-3', 'style', 'vivid', undefined],
    ['dall-e-3', 'style', 'cartoon', 'accepts only vivid, natural'],
    ['dall-e-2', 'quality', 'hd', 'accepts only standard, auto'],
    ['gpt-image-1', 'stream', true, undefined],
    ['gpt-image-1', 'stream', 'true', 'accepts only true, false'],
    ['gpt-image-1', 'size', '1536x864', 'accepts only auto, 1024x1024, 1536x1024, 1024x1536'],
  ])('%s %s=%j -> %s', (model, param, value, expected) => {
    expect(checkValue(value, rule(() => openai, model, param), {})).toBe(expected);
  });
});

describe('checkValue: n bounds', () => {
  it.each([
    ['dall-e-2', 1, undefined],
    ['dall-e-2', 10, undefined],
    ['dall-e-2', 0, 'must be at least 1'],
    ['dall-e-2', 11, 'must be at most 10'],
    ['dall-e-3', 2, 'must be at most 1'],
  ])('%s n=%d -> %s', (model, n, expected) => {
    expect(checkValue(n, rule(() => openai, model, 'n'), {})).toBe(expected);
  });
});

describe('checkValue: gpt-image-2 custom sizes', () => {
  it.each([
    ['auto', undefined],
    ['1536x864', undefined],
    ['3840x2160', undefined],
    ['2160x3840', undefined],
    ['3072x1024', undefined],
    ['1024x3072', undefined],
    ['1000x1000', /divisible by 16/],
    ['4096x1024', /edge over 3840/],
    ['3840x1088', /aspect ratio/],
    ['1088x3840', /aspect ratio/],
    ['3840x2176', /more than 8294400 pixels/],
    ['big', /not WIDTHxHEIGHT/],
  ])('%s -> %s', (size, expected) => {
    const problem = checkValue(size, rule(() => openai, 'gpt-image-2', 'size'), {});
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(expected);
  });
});

describe('checkValue: zero dimensions', () => {
  // 0x0 gives a NaN aspect ratio, which slips past both ratio comparisons.
  it.each(['0x16', '16x0', '0x0'])('%s is not a valid gpt-image-2 custom size', (size) => {
    expect(checkValue(size, rule(() => openai, 'gpt-image-2', 'size'), {})).toEqual(expect.any(String));
  });
});

describe('checkValue: requires', () => {
  it.each([
    [{ output_format: 'jpeg' }, undefined],
    [{ output_format: 'webp' }, undefined],
    [{ output_format: 'png' }, 'needs output_format set to jpeg or webp'],
    [{}, 'needs output_format set to jpeg or webp'],
  ])('openai output_compression with %j -> %s', (params, expected) => {
    expect(checkValue(80, rule(() => openai, 'gpt-image-1', 'output_compression'), params)).toBe(expected);
  });

  it('azure output_compression needs jpeg (webp is not enough)', () => {
    const compression = rule(() => azure, 'gpt-image-1', 'output_compression');
    expect(checkValue(80, compression, { output_format: 'jpeg' })).toBeUndefined();
    expect(checkValue(80, compression, { output_format: 'webp' })).toBe('needs output_format set to jpeg');
    expect(checkValue(101, compression, { output_format: 'jpeg' })).toBe('must be at most 100');
  });
});

describe('checkValue: aspect ratios and edges', () => {
  const ratios = { aspect_ratios: ['16:9', '1:1', '9:21'] };
  it.each([
    ['1024x1024', undefined],
    ['1920x1080', undefined],
    ['3840x2160', undefined],
    ['900x2100', undefined],
    ['1000x1001', '1000x1001 is 1000:1001'],
    ['1536x640', '1536x640 is 12:5'],
    ['auto', 'accepts only sizes with an aspect ratio of exactly 16:9, 1:1, 9:21'],
  ])('%s', (size, problem) => {
    const result = checkValue(size, ratios, {});
    if (problem === undefined) expect(result).toBeUndefined();
    else expect(result).toContain(problem);
  });

  it('min_edge bounds the shorter side of a custom size', () => {
    const rule = { enum: ['1024x1024'], custom_sizes: { multiple_of: 16, min_edge: 320, max_edge: 4096, max_pixels: 4194303, min_aspect_ratio: 0.25, max_aspect_ratio: 4 } };
    expect(checkValue('320x1280', rule, {})).toBeUndefined();
    expect(checkValue('304x1216', rule, {})).toContain('edge under 320');
    expect(checkValue('2048x2048', rule, {})).toContain('more than 4194303 pixels');
  });

  it('a numeric range rejects a value that is not a number (provider params are not type-checked upstream of the rules)', () => {
    expect(checkValue('7', { min: 0, max: 35 }, {})).toBe('must be a number');
    expect(checkValue(Number.NaN, { min: 0, max: 35 }, {})).toBe('must be a number');
    expect(checkValue(7, { min: 0, max: 35 }, {})).toBeUndefined();
  });
});
