// imagegate models [--provider <id>] [--json]: every catalogued model with its provider, params, sizes, n and price.
import { parseArgs } from 'node:util';
import { registry } from '../../generated/registry.js';
import { describePrice } from '../cost/describe-price.js';
import { BadRequestError } from '../errors/classes.js';
import type { ParamRule, Pricing, ProviderDefinition } from '../provider/types.js';

interface ModelRow {
  model: string;
  provider: string;
  params: string[];
  sizes: string;
  n: string;
  price: string;
  pricing: Pricing | null;
}

function callName(provider: ProviderDefinition, model: string): string {
  if (registry.bareModels[model] === provider.id) return model;
  const route = registry.prefixRoutes.find((r) => r.provider === provider.id);
  return `${route?.prefix ?? ''}${model}`;
}

function describeSizes(rule: ParamRule | undefined): string {
  if (rule === undefined) return '—';
  const parts: string[] = [];
  if (rule.enum !== undefined) parts.push(rule.enum.join(' '));
  if (rule.custom_sizes !== undefined) parts.push(`any WxH (×${rule.custom_sizes.multiple_of}, edge ≤ ${rule.custom_sizes.max_edge})`);
  if (rule.aspect_ratios !== undefined) parts.push(`ratios ${rule.aspect_ratios.join(' ')}`);
  return parts.join('; ') || 'any';
}

async function rows(providerFilter: string | undefined): Promise<ModelRow[]> {
  const ids = registry.providerIds.filter((id) => providerFilter === undefined || id === providerFilter);
  if (ids.length === 0) throw new BadRequestError(`Unknown provider "${providerFilter}": use one of ${registry.providerIds.join(', ')}.`, { param: 'provider' });
  const out: ModelRow[] = [];
  for (const id of ids) {
    const provider = await registry.load(id);
    for (const [model, rules] of Object.entries(provider.catalog.models).sort(([a], [b]) => a.localeCompare(b))) {
      const n = rules.params['n'];
      out.push({
        model: callName(provider, model),
        provider: id,
        params: Object.keys(rules.params).sort(),
        sizes: describeSizes(rules.params['size']),
        n: n === undefined ? '1' : `${n.min ?? 1}–${n.max ?? n.min ?? 1}`,
        price: describePrice(rules.pricing),
        pricing: rules.pricing ?? null,
      });
    }
  }
  return out;
}

export async function runModels(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { provider: { type: 'string' }, json: { type: 'boolean' } } });
  const list = await rows(values.provider);
  if (values.json === true) {
    process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    return 0;
  }
  const header = ['model', 'provider', 'n', 'sizes', 'price', 'params'];
  const lines = list.map((row) => [row.model, row.provider, row.n, row.sizes, row.price, row.params.join(' ')]);
  const widths = header.map((name, i) => Math.min(60, Math.max(name.length, ...lines.map((line) => line[i]!.length))));
  const format = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ');
  process.stdout.write([format(header), ...lines.map(format)].join('\n') + '\n');
  return 0;
}
