// A per-image price from a table over the call's params: defaults fill what the call omits, value aliases and
// buckets turn params into table keys.
import type { PriceTable } from '../provider/types.js';

export type PriceLookup = { usd: number } | { missing: string };

function pixels(size: string): number | undefined {
  const match = /^(\d+)x(\d+)$/.exec(size);
  return match === null ? undefined : Number(match[1]) * Number(match[2]);
}

function tableKey(table: PriceTable, param: string, value: string | number): string | undefined {
  const buckets = table.buckets?.[param];
  if (buckets === undefined) return table.values?.[param]?.[String(value)] ?? String(value);
  const measure = param === 'size' ? pixels(String(value)) : typeof value === 'number' ? value : Number(value);
  if (measure === undefined || Number.isNaN(measure)) return undefined;
  const limit = (bucket: { max?: number; max_pixels?: number }) => (param === 'size' ? bucket.max_pixels : bucket.max);
  return buckets.find((bucket) => limit(bucket) === undefined || measure <= limit(bucket)!)?.value;
}

export function imagePrice(table: PriceTable, params: Readonly<Record<string, unknown>>): PriceLookup {
  let node: unknown = table.table;
  const described: string[] = [];
  for (const param of table.by) {
    const given = params[param] ?? table.defaults?.[param];
    if (typeof given !== 'string' && typeof given !== 'number') return { missing: `no price without ${param}` };
    described.push(`${param} ${given}`);
    const key = tableKey(table, param, given);
    const next = key !== undefined && node !== null && typeof node === 'object' && Object.prototype.hasOwnProperty.call(node, key) ? (node as Record<string, unknown>)[key] : undefined;
    if (next === undefined) return { missing: `no published price for ${described.join(', ')}` };
    node = next;
  }
  return typeof node === 'number' ? { usd: node } : { missing: `no published price for ${described.join(', ')}` };
}
