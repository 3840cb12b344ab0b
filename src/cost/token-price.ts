// A per-token price from the response's usage, each kind of token at its own rate: image output tokens are never
// billed at a text rate.
import type { ImagesResponse } from '../../generated/canonical/types.js';
import type { Pricing } from '../provider/types.js';
import type { PriceLookup } from './image-price.js';

type TokenRates = NonNullable<Pricing['per_million_tokens']>;

export function tokenPrice(rates: TokenRates, usage: ImagesResponse['usage']): PriceLookup {
  if (usage === undefined) return { missing: 'the provider reported no token usage' };
  const input = usage.input_tokens ?? 0;
  const output = usage.output_tokens ?? 0;
  const inputText = usage.input_tokens_details?.text_tokens ?? (usage.input_tokens_details === undefined ? input : 0);
  const inputImage = usage.input_tokens_details?.image_tokens ?? 0;
  const outputText = usage.output_tokens_details?.text_tokens ?? 0;
  const outputImage = usage.output_tokens_details?.image_tokens ?? (usage.output_tokens_details === undefined ? output : 0);
  const kinds: [number, keyof TokenRates][] = [
    [inputText, 'text_input'],
    [inputImage, 'image_input'],
    [outputText, 'text_output'],
    [outputImage, 'image_output'],
  ];
  let usd = 0;
  for (const [tokens, kind] of kinds) {
    if (tokens === 0) continue;
    const rate = rates[kind];
    if (rate === undefined) return { missing: `no published price for ${kind.replace('_', ' ')} tokens` };
    usd += (tokens * rate) / 1_000_000;
  }
  return { usd };
}
