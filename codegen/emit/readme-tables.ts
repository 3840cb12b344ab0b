// The README's model tables, generated from each provider's models.yaml.
import { describePrice } from '../../src/cost/describe-price.js';
import type { ParamRuleYaml, ProviderIR, RuleSetYaml } from '../ir.js';

export const README_START = '<!-- generated:models:start (npm run generate) -->';
export const README_END = '<!-- generated:models:end -->';

function describeRule(rule: ParamRuleYaml): string {
  const parts: string[] = [];
  if (rule.enum !== undefined) parts.push(rule.enum.join(', '));
  if (rule.min !== undefined || rule.max !== undefined) parts.push(`${rule.min ?? ''}–${rule.max ?? ''}`);
  if (rule.custom_sizes !== undefined) {
    const c = rule.custom_sizes;
    const edges = c['min_edge'] === undefined ? `edge ≤ ${c['max_edge']}` : `edges ${c['min_edge']}–${c['max_edge']}`;
    const pixels = c['max_pixels'] === undefined ? '' : `, ≤ ${c['max_pixels']} px`;
    parts.push(`any WxH: multiples of ${c['multiple_of']}, ${edges}${pixels}, ratio 1:${Math.round(1 / c['min_aspect_ratio']!)}–${c['max_aspect_ratio']}:1`);
  }
  if (rule.aspect_ratios !== undefined) parts.push(`any WxH of ratio ${rule.aspect_ratios.join(', ')}`);
  if (rule.requires !== undefined) {
    parts.push(Object.entries(rule.requires).map(([p, v]) => `with ${p} ${v.join('/')}`).join('; '));
  }
  return parts.length === 0 ? 'yes' : parts.join('; ');
}

function ruleRow(names: string[], rules: RuleSetYaml, columns: string[], priced: boolean): string {
  const cell = (param: string) => (rules.params[param] === undefined ? '—' : describeRule(rules.params[param]!));
  const others = Object.keys(rules.params)
    .filter((p) => !columns.includes(p))
    .sort()
    .map((p) => (describeRule(rules.params[p]!) === 'yes' || rules.params[p]!.enum !== undefined ? p : `${p} (${describeRule(rules.params[p]!)})`));
  const family = rules.variant === undefined ? '' : ` (${rules.variant})`;
  return `| ${names.map((n) => `\`${n}\``).join('<br>')}${family} | ${columns.map(cell).join(' | ')} | ${others.join(', ') || '—'} | ${priced ? describePrice(rules.pricing) : '—'} |`;
}

/** Models with the same rules share a row. */
function groupByRules(sets: Record<string, RuleSetYaml>): [string[], RuleSetYaml][] {
  const groups = new Map<string, [string[], RuleSetYaml]>();
  for (const name of Object.keys(sets).sort()) {
    const { source: _source, description: _description, ...rules } = sets[name]!;
    const key = JSON.stringify(rules);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [[name], sets[name]!]);
    else group[0].push(name);
  }
  return [...groups.values()];
}

function table(title: string, sets: Record<string, RuleSetYaml>, priced: boolean): string[] {
  const columns = ['n', 'size', 'quality', 'style', 'response_format'];
  return [
    title,
    '',
    `| model | ${columns.join(' | ')} | other params | price (USD) |`,
    `|---|${columns.map(() => '---').join('|')}|---|---|`,
    ...groupByRules(sets).map(([names, rules]) => ruleRow(names, rules, columns, priced)),
    '',
  ];
}

export function renderModelTables(providers: ProviderIR[]): string {
  const lines: string[] = [README_START, ''];
  for (const p of providers) {
    lines.push(`#### ${p.provider.display_name} (\`${p.id}\`)`, '');
    const models = p.models.models;
    const versions = p.models.api_versions ?? {};
    if (Object.keys(models).length === 0 && Object.keys(versions).length === 0) {
      lines.push('Any model name; every param is passed through unvalidated.', '');
      continue;
    }
    if (Object.keys(models).length > 0) lines.push(...table('Models:', models, true));
    if (Object.keys(versions).length > 0) lines.push(...table('API versions:', versions, false));
  }
  lines.push(README_END);
  return lines.join('\n');
}

export function spliceReadme(readme: string, block: string): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start === -1 || end === -1 || end < start) {
    throw new Error(`README.md must contain the markers ${README_START} and ${README_END}`);
  }
  return readme.slice(0, start) + block + readme.slice(end + README_END.length);
}
