import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../../src/errors/classes.js';
import { applyExtras, encodePathParam, mapValue, writeAt, writeParam } from '../../../src/translate/write-body.js';

describe('writeAt', () => {
  it('creates nested objects, and arrays for numeric segments', () => {
    const body: Record<string, unknown> = {};
    writeAt(body, ['text_prompts', 0, 'text'], 'a fox', 'prompt');
    writeAt(body, ['text_prompts', 0, 'weight'], 1, 'the request format');
    writeAt(body, ['imageGenerationConfig', 'width'], 1024, 'size');
    expect(body).toEqual({ text_prompts: [{ text: 'a fox', weight: 1 }], imageGenerationConfig: { width: 1024 } });
    expect(Array.isArray(body['text_prompts'])).toBe(true);
  });

  it('merges into an object the caller passed without mutating it', () => {
    const callers = { imageGenerationConfig: { cfgScale: 7 } };
    const body: Record<string, unknown> = {};
    applyExtras(body, callers);
    writeAt(body, ['imageGenerationConfig', 'seed'], 42, 'seed');
    expect(body).toEqual({ imageGenerationConfig: { cfgScale: 7, seed: 42 } });
    expect(callers).toEqual({ imageGenerationConfig: { cfgScale: 7 } });
  });

  it('refuses a value the caller already set differently, and accepts the same value', () => {
    const body: Record<string, unknown> = { aspect_ratio: '1:1' };
    expect(() => writeAt(body, ['aspect_ratio'], '16:9', 'size')).toThrow(BadRequestError);
    expect(() => writeAt(body, ['aspect_ratio'], '16:9', 'size')).toThrow(/size sets \/aspect_ratio to "16:9".*"1:1".*Give only one/);
    writeAt(body, ['aspect_ratio'], '1:1', 'size');
    expect(body).toEqual({ aspect_ratio: '1:1' });
  });

  it('refuses to descend into a scalar the caller set', () => {
    const body: Record<string, unknown> = { imageGenerationConfig: 'premium' };
    try {
      writeAt(body, ['imageGenerationConfig', 'quality'], 'premium', 'quality');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(BadRequestError);
      expect((error as BadRequestError).code).toBe('conflicting_params');
      expect((error as BadRequestError).param).toBe('imageGenerationConfig');
    }
  });

  it('cannot be steered into the prototype by caller keys', () => {
    const body: Record<string, unknown> = {};
    applyExtras(body, JSON.parse('{"__proto__": {"polluted": true}, "constructor": 1, "ok": 2}') as Record<string, unknown>);
    writeAt(body, ['nested', 'value'], 1, 'x');
    expect(body).toEqual({ ok: 2, nested: { value: 1 } });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('writeParam and mapValue', () => {
  it('skips absent values and translates through the value table', () => {
    const body: Record<string, unknown> = {};
    writeParam(body, ['quality'], undefined, 'quality', { hd: 'premium' });
    expect(body).toEqual({});
    writeParam(body, ['cfg', 'quality'], 'hd', 'quality', { hd: 'premium', low: 'standard' });
    expect(body).toEqual({ cfg: { quality: 'premium' } });
  });

  it('a value missing from the table is a clear error naming the choices', () => {
    expect(() => mapValue('auto', { hd: 'premium', standard: 'standard' }, 'quality')).toThrow(/quality="auto" has no provider equivalent; use one of hd, standard/);
  });
});

describe('applyExtras', () => {
  it('skips params the mapping writes elsewhere', () => {
    const body: Record<string, unknown> = {};
    applyExtras(body, { seed: 5, mode: 'text-to-image' }, ['seed']);
    expect(body).toEqual({ mode: 'text-to-image' });
  });
});

describe('encodePathParam', () => {
  it.each([
    ['amazon.nova-canvas-v1:0', 'amazon.nova-canvas-v1%3A0'],
    ['arn:aws:bedrock:us-east-1:1:inference-profile/us.x', 'arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Ainference-profile%2Fus.x'],
    ['..', '%2E%2E'],
    ['.', '%2E'],
    ['a..b', 'a..b'],
    ['%2F', '%252F'],
    ['imagegeneration@006', 'imagegeneration@006'],
  ])('%s -> %s', (value, encoded) => {
    expect(encodePathParam(value)).toBe(encoded);
  });
});
