// The pricing of a model: the caller's override first, then the catalog entry of base_model or the model itself.
import { catalogKey } from '../rules/apply-rules.js';
import type { Pricing, ProviderDefinition } from '../provider/types.js';

export function modelPricing(provider: ProviderDefinition, model: string, baseModel: string | undefined): { pricing: Pricing | undefined; priced: string } {
  const key = catalogKey(provider, baseModel ?? model);
  const entry = Object.prototype.hasOwnProperty.call(provider.catalog.models, key) ? provider.catalog.models[key] : undefined;
  return { pricing: entry?.pricing, priced: key };
}
