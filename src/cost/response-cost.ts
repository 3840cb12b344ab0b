// What one call cost in USD, from the model's pricing in the spec (or the operator's override): a number, or null
// with an unknown-price warning — never 0 for unknown.
import type { ImagesResponse } from '../../generated/canonical/types.js';
import type { Pricing } from '../provider/types.js';
import type { Warning } from '../response/warnings.js';
import { imagePrice, type PriceLookup } from './image-price.js';
import { tokenPrice } from './token-price.js';

export interface CostInput {
  pricing: Pricing | undefined;
  /** The model whose price applies, for the warning. */
  model: string;
  /** Unified params after drops, and provider params: the table's dimensions. */
  params: Readonly<Record<string, unknown>>;
  body: ImagesResponse;
}

function lookup(pricing: Pricing, params: Readonly<Record<string, unknown>>, body: ImagesResponse): PriceLookup {
  if (pricing.per_million_tokens !== undefined) return tokenPrice(pricing.per_million_tokens, body.usage);
  const perImage = pricing.per_image;
  const price = typeof perImage === 'number' ? { usd: perImage } : perImage === undefined ? { missing: 'no price' } : imagePrice(perImage, params);
  return 'usd' in price ? { usd: price.usd * body.data.length } : price;
}

/** Rounded to 1e-10 USD so sums of float prices print as the decimals people expect. */
const round = (usd: number): number => Math.round(usd * 1e10) / 1e10;

export function responseCost(input: CostInput): { cost: number | null; warning?: Warning } {
  if (input.pricing === undefined) {
    return { cost: null, warning: { code: 'unknown-price', message: `No price is known for ${input.model}: response_cost is null. Set model_info.output_cost_per_image (or a token price) or base_model in the proxy config.` } };
  }
  const price = lookup(input.pricing, input.params, input.body);
  if ('usd' in price) return { cost: round(price.usd) };
  return { cost: null, warning: { code: 'unknown-price', message: `The price of this ${input.model} call is unknown (${price.missing}): response_cost is null.` } };
}
