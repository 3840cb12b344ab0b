// A price as people read it, for the README tables and `imagegate models`.
import type { PriceTable, Pricing } from '../provider/types.js';

const usd = (value: number): string => `$${Number(value.toPrecision(6))}`;

function leaves(node: unknown): number[] {
  if (typeof node === 'number') return [node];
  if (node === null || typeof node !== 'object') return [];
  return Object.values(node).flatMap(leaves);
}

function describeTable(table: PriceTable): string {
  const prices = leaves(table.table);
  const low = Math.min(...prices);
  const high = Math.max(...prices);
  const range = low === high ? usd(low) : `${usd(low)}–${usd(high)}`;
  return `${range} / image by ${table.by.join(', ')}`;
}

export function describePrice(pricing: Pricing | undefined): string {
  if (pricing === undefined) return 'unknown';
  if (pricing.per_million_tokens !== undefined) {
    const kinds = [
      ['text_input', 'text in'],
      ['image_input', 'image in'],
      ['text_output', 'text out'],
      ['image_output', 'image out'],
    ] as const;
    const rates = pricing.per_million_tokens;
    const parts = kinds.filter(([kind]) => rates[kind] !== undefined).map(([kind, name]) => `${usd(rates[kind]!)} ${name}`);
    return `${parts.join(', ')} / 1M tokens`;
  }
  const perImage = pricing.per_image;
  if (typeof perImage === 'number') return `${usd(perImage)} / image`;
  return perImage === undefined ? 'unknown' : describeTable(perImage);
}
