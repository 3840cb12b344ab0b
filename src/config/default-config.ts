// What the proxy serves without --config: every catalog model of each provider whose credentials are in env.
import { registry as builtInRegistry } from '../../generated/registry.js';
import type { Registry } from '../provider/types.js';
import type { ProxyConfig } from '../../generated/canonical/types.js';
import type { LoadedConfig } from './load-config.js';

export function defaultConfig(env: NodeJS.ProcessEnv, registry: Registry = builtInRegistry): LoadedConfig {
  const modelList: ProxyConfig['model_list'] = [];
  for (const providerId of Object.keys(registry.proxyDefaults).sort()) {
    const defaults = registry.proxyDefaults[providerId];
    if (defaults === undefined || !enabled(defaults.whenEnv, env)) continue;
    for (const model of registry.catalogModels[providerId] ?? []) {
      const group = defaults.groupPrefix + model;
      modelList.push({ model_name: group, litellm_params: { model: group } });
    }
  }
  return {
    config: { model_list: modelList },
    env: { ...env },
    warnings: [],
    source: 'built-in default',
  };
}

/** No condition, or one set of variables all non-empty. */
function enabled(whenEnv: readonly (readonly string[])[], env: NodeJS.ProcessEnv): boolean {
  if (whenEnv.length === 0) return true;
  return whenEnv.some((names) => names.every((name) => (env[name] ?? '') !== ''));
}
