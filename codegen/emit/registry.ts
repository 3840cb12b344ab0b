// The model-prefix registry: which provider serves a model name, longest prefix first; collisions fail generation.
import type { ProviderIR } from '../ir.js';
import { formatTypeScript } from '../format.js';
import { generatedHeader, srcImport, type EmitContext, type GeneratedFile } from './header.js';
import { toLiteral } from './literal.js';

export class RegistryError extends Error {}

function claim(owners: Map<string, string>, key: string, provider: string, what: string): void {
  const owner = owners.get(key);
  if (owner !== undefined && owner !== provider) {
    throw new RegistryError(`${what} "${key}" is claimed by both ${owner} and ${provider}`);
  }
  owners.set(key, provider);
}

const longestFirst = (a: { prefix: string }, b: { prefix: string }) =>
  b.prefix.length - a.prefix.length || (a.prefix < b.prefix ? -1 : 1);

export async function emitRegistry(context: EmitContext, providers: ProviderIR[]): Promise<GeneratedFile> {
  const ids = providers.map((p) => p.id);
  const prefixOwners = new Map<string, string>();
  const bareOwners = new Map<string, string>();
  const barePrefixOwners = new Map<string, string>();
  const aliasOwners = new Map<string, string>();
  const defaults: string[] = [];
  const prefixRoutes: { prefix: string; provider: string; uncataloguedFallback?: string }[] = [];
  const barePrefixes: { prefix: string; provider: string }[] = [];
  const catalogModels: Record<string, string[]> = {};
  const proxyDefaults: Record<string, { whenEnv: string[][]; groupPrefix: string }> = {};
  for (const p of providers) {
    const routing = p.provider.routing;
    catalogModels[p.id] = Object.keys(p.models.models).sort();
    const fallback = routing.uncatalogued_fallback;
    if (fallback !== undefined && !ids.includes(fallback)) {
      throw new RegistryError(`${p.relDir}/provider.yaml: uncatalogued_fallback ${fallback} is not a provider`);
    }
    for (const prefix of routing.prefixes ?? []) {
      claim(prefixOwners, prefix, p.id, 'model prefix');
      prefixRoutes.push({ prefix, provider: p.id, uncataloguedFallback: fallback });
    }
    for (const prefix of routing.bare_prefixes ?? []) {
      claim(barePrefixOwners, prefix, p.id, 'bare model prefix');
      barePrefixes.push({ prefix, provider: p.id });
    }
    if (routing.bare_catalog_models === true) {
      for (const model of catalogModels[p.id]!) claim(bareOwners, model, p.id, 'bare model');
    }
    claim(aliasOwners, p.id, p.id, 'provider alias');
    for (const alias of routing.aliases ?? []) claim(aliasOwners, alias, p.id, 'provider alias');
    if (routing.default_model !== undefined) defaults.push(routing.default_model);
    if (routing.proxy_default !== undefined) {
      const groupPrefix = routing.bare_catalog_models === true ? '' : (routing.prefixes?.[0] ?? '');
      if (groupPrefix === '' && routing.bare_catalog_models !== true) {
        throw new RegistryError(`${p.relDir}/provider.yaml: proxy_default needs a model prefix or bare_catalog_models`);
      }
      proxyDefaults[p.id] = { whenEnv: routing.proxy_default.when_env, groupPrefix };
    }
  }
  if (defaults.length !== 1) throw new RegistryError(`exactly one provider must set routing.default_model (found ${defaults.length})`);
  const registry = {
    providerIds: ids,
    defaultModel: defaults[0],
    prefixRoutes: prefixRoutes.sort(longestFirst),
    bareModels: Object.fromEntries(bareOwners),
    barePrefixes: barePrefixes.sort(longestFirst),
    aliases: Object.fromEntries(aliasOwners),
    catalogModels,
    proxyDefaults,
  };
  const loaders = providers
    .map((p) => `${JSON.stringify(p.id)}: async () => (await import('./providers/${p.id}/index.js')).provider,`)
    .join('\n');
  const code = [
    generatedHeader('registry', 'spec/providers/*/provider.yaml'),
    `import type { ProviderDefinition, Registry } from '${srcImport(context, 'registry.ts', 'provider/types.js')}';\n\n`,
    `const loaders: Record<string, () => Promise<ProviderDefinition>> = {\n${loaders}\n};\n\n`,
    '// Each provider module is imported once: a dynamic import() of a loaded module still costs a trip through the loader.\n',
    `const loaded = new Map<string, Promise<ProviderDefinition>>();\n\n`,
    `export const registry: Registry = { ${toLiteral(registry).slice(1, -1)},\n`,
    `  load(providerId: string): Promise<ProviderDefinition> {\n`,
    `    const cached = loaded.get(providerId);\n`,
    `    if (cached !== undefined) return cached;\n`,
    `    const loader = Object.prototype.hasOwnProperty.call(loaders, providerId) ? loaders[providerId] : undefined;\n`,
    `    if (loader === undefined) return Promise.reject(new Error(\`unknown provider \${providerId}\`));\n`,
    `    const loading = loader();\n`,
    `    loaded.set(providerId, loading);\n`,
    `    return loading;\n  },\n};\n`,
  ].join('');
  return { path: 'registry.ts', content: await formatTypeScript(code) };
}
