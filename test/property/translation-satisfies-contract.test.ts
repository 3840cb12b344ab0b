// Property: any request a catalog model accepts translates into a body the provider's published
// contract accepts (checked with the precompiled wire validator generated from that contract).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { registry } from '../../generated/registry.js';
import { requestParamRoles } from '../../generated/canonical/params.js';
import { applyRules } from '../../src/rules/apply-rules.js';
import { checkValue } from '../../src/rules/check-value.js';
import type { ParamRule, ProviderDefinition, RuleSet } from '../../src/provider/types.js';

type Validator = ((body: unknown) => boolean) & { errors?: unknown };

async function wireValidator(providerId: string, variant = 'default'): Promise<Validator> {
  const module = (await import(`../../generated/providers/${providerId}/validate-wire.ts`)) as { requestBodyValidators: Record<string, Validator> };
  return module.requestBodyValidators[variant]!;
}

function sizeFor(rule: ParamRule): fc.Arbitrary<unknown> {
  const arbitraries: fc.Arbitrary<unknown>[] = [];
  if (rule.enum !== undefined) arbitraries.push(fc.constantFrom(...rule.enum));
  if (rule.aspect_ratios !== undefined) {
    const ratio = fc.constantFrom(...rule.aspect_ratios).map((r) => r.split(':').map(Number) as [number, number]);
    arbitraries.push(fc.tuple(ratio, fc.integer({ min: 1, max: 128 })).map(([[a, b], k]) => `${a * k}x${b * k}`));
  }
  if (rule.custom_sizes !== undefined) {
    const step = rule.custom_sizes.multiple_of;
    const edge = fc.integer({ min: 1, max: Math.floor(rule.custom_sizes.max_edge / step) }).map((k) => k * step);
    arbitraries.push(fc.tuple(edge, edge).map(([w, h]) => `${w}x${h}`).filter((size) => checkValue(size, rule, {}) === undefined));
  }
  return fc.oneof(...arbitraries);
}

function valueFor(param: string, rule: ParamRule): fc.Arbitrary<unknown> {
  if (param === 'size') return sizeFor(rule);
  if (rule.enum !== undefined) return fc.constantFrom(...rule.enum);
  if (rule.min !== undefined && rule.max !== undefined) {
    return Number.isInteger(rule.min) && Number.isInteger(rule.max)
      ? fc.integer({ min: rule.min, max: rule.max })
      : fc.double({ min: rule.min, max: rule.max, noNaN: true });
  }
  return fc.string({ minLength: 1, maxLength: 20 });
}

function paramsFor(rules: readonly RuleSet[]): fc.Arbitrary<Record<string, unknown>> {
  const accepted = Object.keys(rules[0]!.params).filter((param) => rules.every((set) => set.params[param] !== undefined));
  const record: Record<string, fc.Arbitrary<unknown>> = { prompt: fc.string({ minLength: 1, maxLength: 200 }) };
  for (const param of accepted) record[param] = valueFor(param, rules[0]!.params[param]!);
  return fc.record(record, { requiredKeys: ['prompt'] });
}

async function checkModel(provider: ProviderDefinition, model: string, apiVersion: string | undefined, validate: Validator | Record<string, Validator>): Promise<void> {
  const sets = [provider.catalog.models[model], apiVersion === undefined ? undefined : provider.catalog.apiVersions[apiVersion]].filter(
    (set): set is RuleSet => set !== undefined,
  );
  fc.assert(
    fc.property(paramsFor(sets), (params) => {
      const unified = Object.fromEntries(Object.entries(params).filter(([name]) => requestParamRoles[name] === 'param'));
      const extras = Object.fromEntries(Object.entries(params).filter(([name]) => requestParamRoles[name] === undefined));
      const rules = applyRules({ provider, model, apiVersion, baseModel: undefined, params: unified, extras, dropParams: true });
      const wire = rules.variant.buildRequest({ model, params: rules.params, extras: rules.extras, settings: { api_version: apiVersion }, files: {} });
      const variantName = Object.entries(provider.generate.variants).find(([, v]) => v === rules.variant)![0];
      const check = typeof validate === 'function' ? validate : validate[variantName]!;
      const ok = check(wire.body);
      if (!ok) throw new Error(`${model}: ${JSON.stringify(wire.body)} breaks the contract: ${JSON.stringify(check.errors)}`);
      return ok;
    }),
    { numRuns: 150, seed: 20261120 },
  );
}

describe('translations satisfy the published contract', () => {
  it.each(['dall-e-2', 'dall-e-3', 'gpt-image-1', 'gpt-image-1-mini', 'gpt-image-1.5', 'gpt-image-2'])('openai %s', async (model) => {
    const provider = await registry.load('openai');
    await checkModel(provider, model, undefined, await wireValidator('openai'));
  });

  it.each([
    ['gpt-image-1', '2025-04-01-preview'],
    ['dall-e-3', '2025-04-01-preview'],
  ])('azure %s on %s', async (model, apiVersion) => {
    const provider = await registry.load('azure');
    await checkModel(provider, model, apiVersion, await wireValidator('azure'));
  });

  it.each([
    'stability.stable-diffusion-xl-v1',
    'stability.sd3-5-large-v1:0',
    'stability.stable-image-core-v1:1',
    'stability.stable-image-ultra-v1:1',
    'amazon.titan-image-generator-v1',
    'amazon.titan-image-generator-v2:0',
    'amazon.nova-canvas-v1:0',
  ])('bedrock %s (its family body)', async (model) => {
    const provider = await registry.load('bedrock');
    const module = (await import('../../generated/providers/bedrock/validate-wire.js')) as { requestBodyValidators: Record<string, Validator> };
    await checkModel(provider, model, undefined, module.requestBodyValidators);
  });

  it('the wire validator rejects what the contract forbids', async () => {
    const validate = await wireValidator('openai');
    expect(validate({ prompt: 'x', quality: 'ultra' })).toBe(false);
    expect(validate({ n: 1 })).toBe(false);
    expect(validate({ prompt: 'x', n: 11 })).toBe(false);
    expect(validate({ prompt: 'x', n: 2, quality: 'hd' })).toBe(true);
  });

  it('the bedrock family validators reject what each family body forbids', async () => {
    const { requestBodyValidators: v } = (await import('../../generated/providers/bedrock/validate-wire.js')) as { requestBodyValidators: Record<string, Validator> };
    const titan = (config: object) => ({ taskType: 'TEXT_IMAGE', textToImageParams: { text: 'x' }, imageGenerationConfig: config });
    expect(v['titan-image']!(titan({ quality: 'premium', width: 1173, height: 640 }))).toBe(true);
    expect(v['titan-image']!(titan({ quality: 'hd' }))).toBe(false);
    expect(v['titan-image']!(titan({ width: 1024, height: 640 }))).toBe(false);
    expect(v['nova-canvas']!(titan({ numberOfImages: 6 }))).toBe(false);
    expect(v['stability-sdxl']!({ text_prompts: [{ text: 'x', weight: 1 }], width: 1024, height: 1024, samples: 1 })).toBe(true);
    expect(v['stability-sdxl']!({ text_prompts: [{ text: 'x' }], width: 1024, height: 896 })).toBe(false);
    expect(v['stability-image']!({ prompt: 'x', aspect_ratio: '21:9' })).toBe(true);
    expect(v['stability-image']!({ prompt: 'x', aspect_ratio: '7:3' })).toBe(false);
  });
});
