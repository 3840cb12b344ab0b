// Which provider serves a model name: custom_llm_provider, then the longest model prefix, then bare names.
import { BadRequestError } from '../errors/classes.js';
import type { PrefixRoute, Registry } from '../provider/types.js';

export interface ResolvedModel {
  providerId: string;
  /** The model id the provider knows (prefix stripped). */
  model: string;
  /** What the caller asked for. */
  requested: string;
}

function matchingRoute(routes: readonly PrefixRoute[], model: string): PrefixRoute | undefined {
  return routes.find((route) => model.startsWith(route.prefix));
}

function isProviderModel(registry: Registry, providerId: string, model: string): boolean {
  if (registry.catalogModels[providerId]?.includes(model) === true) return true;
  return registry.barePrefixes.some((route) => route.provider === providerId && model.startsWith(route.prefix));
}

function requireModel(model: string, requested: string): string {
  if (model.length > 0) return model;
  throw new BadRequestError(`Model "${requested}" names a provider but no model: write ${requested}<model>.`, { param: 'model', code: 'invalid_model' });
}

function knownPrefixes(registry: Registry): string {
  return registry.prefixRoutes.map((route) => route.prefix).join(', ');
}

export function resolveModel(registry: Registry, requested: string | undefined, customProvider: string | undefined): ResolvedModel {
  const name = requested ?? registry.defaultModel;
  if (customProvider !== undefined) {
    const providerId = Object.prototype.hasOwnProperty.call(registry.aliases, customProvider) ? registry.aliases[customProvider] : undefined;
    if (providerId === undefined) {
      throw new BadRequestError(
        `Unknown custom_llm_provider "${customProvider}". Use one of: ${Object.keys(registry.aliases).sort().join(', ')}.`,
        { param: 'custom_llm_provider', code: 'unknown_provider' },
      );
    }
    const route = matchingRoute(registry.prefixRoutes, name);
    const model = route !== undefined && route.provider === providerId ? name.slice(route.prefix.length) : name;
    return { providerId, model: requireModel(model, name), requested: name };
  }
  const route = matchingRoute(registry.prefixRoutes, name);
  if (route !== undefined) {
    const model = requireModel(name.slice(route.prefix.length), name);
    const fallback = route.uncataloguedFallback;
    const providerId = fallback !== undefined && !isProviderModel(registry, route.provider, model) ? fallback : route.provider;
    return { providerId, model, requested: name };
  }
  const bare = Object.prototype.hasOwnProperty.call(registry.bareModels, name) ? registry.bareModels[name] : undefined;
  const providerId = bare ?? matchingRoute(registry.barePrefixes, name)?.provider;
  if (providerId === undefined) {
    throw new BadRequestError(
      `Unknown model "${name}". Prefix it with its provider (${knownPrefixes(registry)}) or set custom_llm_provider.`,
      { param: 'model', code: 'model_not_found' },
    );
  }
  return { providerId, model: name, requested: name };
}
