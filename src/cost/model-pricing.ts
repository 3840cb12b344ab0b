// The pricing of a model: the caller's override first, then the catalog entry of base_model or the model itself
// (an edit's own price when the catalog gives one, else the model's).
import { catalogKey } from '../rules/apply-rules.js';
import type { Pricing, ProviderDefinition } from '../provider/types.js';

export function modelPricing(
  provider: ProviderDefinition,
  model: string,
  baseModel: string | undefined,
  operation: 'generate' | 'edit' = 'generate',
): { pricing: Pricing | undefined; priced: string } {
  const key = catalogKey(provider, baseModel ?? model);
  const entry = Object.prototype.hasOwnProperty.call(provider.catalog.models, key) ? provider.catalog.models[key] : undefined;
  const pricing = operation === 'edit' ? (entry?.edit?.pricing ?? entry?.pricing) : entry?.pricing;
  return { pricing, priced: key };
}
