// LiteLLM's per-deployment price keys (model_info) as a Pricing: a flat per-image price, or per-token prices.
import type { Pricing } from '../provider/types.js';

export const PRICE_OVERRIDE_KEYS = ['output_cost_per_image', 'input_cost_per_token', 'output_cost_per_token', 'input_cost_per_image_token', 'output_cost_per_image_token'] as const;

export function pricingFromModelInfo(info: Readonly<Record<string, unknown>> | undefined): Pricing | undefined {
  if (info === undefined) return undefined;
  const number = (key: string): number | undefined => (typeof info[key] === 'number' ? (info[key] as number) : undefined);
  const perImage = number('output_cost_per_image');
  if (perImage !== undefined) return { source: 'model_info.output_cost_per_image (proxy config)', per_image: perImage };
  const input = number('input_cost_per_token');
  const output = number('output_cost_per_token');
  const imageInput = number('input_cost_per_image_token') ?? input;
  const imageOutput = number('output_cost_per_image_token') ?? output;
  if (input === undefined && output === undefined && imageInput === undefined && imageOutput === undefined) return undefined;
  const perMillion = (usd: number | undefined) => (usd === undefined ? undefined : usd * 1_000_000);
  const rates = { text_input: perMillion(input), image_input: perMillion(imageInput), text_output: perMillion(output), image_output: perMillion(imageOutput) };
  return {
    source: 'model_info token prices (proxy config)',
    per_million_tokens: Object.fromEntries(Object.entries(rates).filter(([, v]) => v !== undefined)) as Pricing['per_million_tokens'],
  };
}
