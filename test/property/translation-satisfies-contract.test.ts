// Property: any request a catalog model accepts translates into a body the provider's published
// contract accepts (checked with the precompiled wire validator generated from that contract).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { registry } from '../../generated/registry.js';
import { applyRules } from '../../src/rules/apply-rules.js';
import type { ParamRule, ProviderDefinition, RuleSet } from '../../src/provider/types.js';

type Validator = ((body: unknown) => boolean) & { errors?: unknown };

async function wireValidator(providerId: string, variant = 'default'): Promise<Validator> {
  const module = (await import(`../../generated/providers/${providerId}/validate-wire.ts`)) as { requestBodyValidators: Record<string, Validator> };
  return module.requestBodyValidators[variant]!;
}

function valueFor(rule: ParamRule): fc.Arbitrary<unknown> {
  if (rule.enum !== undefined) return fc.constantFrom(...rule.enum);
  if (rule.min !== undefined && rule.max !== undefined) return fc.integer({ min: rule.min, max: rule.max });
  return fc.string({ minLength: 1, maxLength: 20 });
}

function paramsFor(rules: readonly RuleSet[]): fc.Arbitrary<Record<string, unknown>> {
  const accepted = Object.keys(rules[0]!.params).filter((param) => rules.every((set) => set.params[param] !== undefined));
  const record: Record<string, fc.Arbitrary<unknown>> = { prompt: fc.string({ minLength: 1, maxLength: 200 }) };
  for (const param of accepted) record[param] = valueFor(rules[0]!.params[param]!);
  return fc.record(record, { requiredKeys: ['prompt'] });
}

async function checkModel(provider: ProviderDefinition, model: string, apiVersion: string | undefined, validate: Validator): Promise<void> {
  const sets = [provider.catalog.models[model], apiVersion === undefined ? undefined : provider.catalog.apiVersions[apiVersion]].filter(
    (set): set is RuleSet => set !== undefined,
  );
  fc.assert(
    fc.property(paramsFor(sets), (params) => {
      const { params: allowed } = applyRules({ provider, model, apiVersion, baseModel: undefined, params, dropParams: true });
      const wire = provider.generate.variants['default']!.buildRequest({ model, params: allowed, extras: {}, settings: { api_version: apiVersion } });
      const ok = validate(wire.body);
      if (!ok) throw new Error(`${model}: ${JSON.stringify(wire.body)} breaks the contract: ${JSON.stringify(validate.errors)}`);
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

  it('the wire validator rejects what the contract forbids', async () => {
    const validate = await wireValidator('openai');
    expect(validate({ prompt: 'x', quality: 'ultra' })).toBe(false);
    expect(validate({ n: 1 })).toBe(false);
    expect(validate({ prompt: 'x', n: 11 })).toBe(false);
    expect(validate({ prompt: 'x', n: 2, quality: 'hd' })).toBe(true);
  });
});
