// The checks every proxy/Router config gets, whether it came from config.yaml or an object: environment_variables and
// os.environ/ references, the schema from spec/canonical/proxy-config.schema.json, then what the schema cannot say.
import type { ProxyConfig } from '../../generated/canonical/types.js';
import { registry as builtInRegistry } from '../../generated/registry.js';
import { resolveModel } from '../dispatch/resolve-model.js';
import type { Registry } from '../provider/types.js';
import { formatKeyPath, problemsError, type KeyPath } from './config-error.js';
import { describeSchemaError, validateConfigSchema, validationErrors } from './describe-schema-error.js';
import { resolveEnvReferences } from './env-references.js';
import { pointerToPath, valueAt } from './key-paths.js';

export interface LoadedConfig {
  /** Env-resolved and validated. */
  config: ProxyConfig;
  /** The given env plus environment_variables (values stringified). */
  env: NodeJS.ProcessEnv;
  warnings: string[];
  /** The file path, or 'built-in default'. */
  source: string;
}

export interface ParseOptions {
  env: NodeJS.ProcessEnv;
  source: string;
  registry?: Registry;
}

const MAX_GROUPS_LISTED = 20;

/** The checks of a config file for a config given as an object (the SDK's Router). */
export function configFromObject(raw: Record<string, unknown>, options: ParseOptions, locate: (path: KeyPath) => string = () => ''): LoadedConfig {
  const { source } = options;
  const { kept, ignored } = dropIgnoredKeys(raw);
  const env = mergeEnvironment(kept['environment_variables'], options.env, source);
  const resolved = resolveEnvReferences(kept, env, { source });
  if (!validateConfigSchema(resolved)) {
    const errors = validationErrors();
    const problems = [...new Set(errors.flatMap((error) => describeSchemaError(error, resolved, kept, locate)))];
    throw problemsError(source, problems);
  }
  const config = resolved as unknown as ProxyConfig;
  const problems = semanticProblems(config, options.registry ?? builtInRegistry, locate);
  if (problems.length > 0) throw problemsError(source, problems);
  const warnings = ignored.length > 0 ? [`ignoring keys imagegate does not use: ${ignored.join(', ')}`] : [];
  return { config, env, warnings, source };
}

/** A copy without the keys the schema does not know (additionalProperties), and their paths. */
function dropIgnoredKeys(raw: Record<string, unknown>): {
  kept: Record<string, unknown>;
  ignored: string[];
} {
  // Keys are the same before and after os.environ/ references are read, so the raw config says which to drop.
  if (validateConfigSchema(raw)) return { kept: raw, ignored: [] };
  const kept = structuredClone(raw);
  const ignored: string[] = [];
  for (const error of validationErrors()) {
    if (error.keyword !== 'additionalProperties') continue;
    const path = pointerToPath(raw, error.instancePath);
    const key = String(error.params['additionalProperty']);
    const parent = valueAt(kept, path);
    if (parent === null || typeof parent !== 'object') continue;
    delete (parent as Record<string, unknown>)[key];
    ignored.push(formatKeyPath([...path, key]));
  }
  return { kept, ignored };
}

/** environment_variables over a copy of env, in order, each able to read the given env and those before it. */
function mergeEnvironment(variables: unknown, given: NodeJS.ProcessEnv, source: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...given };
  if (variables === null || typeof variables !== 'object' || Array.isArray(variables)) return env;
  for (const [name, value] of Object.entries(variables)) {
    const resolved = resolveEnvReferences(value, env, {
      source,
      path: ['environment_variables', name],
    });
    // Anything else is a schema error, reported by validation.
    if (typeof resolved === 'string' || typeof resolved === 'number' || typeof resolved === 'boolean') {
      env[name] = String(resolved);
    }
  }
  return env;
}

function semanticProblems(config: ProxyConfig, registry: Registry, locate: (path: KeyPath) => string): string[] {
  const problems: string[] = [];
  const groups = new Set(config.model_list.map((deployment) => deployment.model_name));
  const listed = [...groups].slice(0, MAX_GROUPS_LISTED).join(', ') + (groups.size > MAX_GROUPS_LISTED ? ', ...' : '');
  for (const section of ['router_settings', 'litellm_settings'] as const) {
    config[section]?.fallbacks?.forEach((entry, index) => {
      const path = [section, 'fallbacks', index];
      const at = formatKeyPath(path);
      for (const [group, targets] of Object.entries(entry)) {
        for (const name of new Set([group, ...targets])) {
          if (!groups.has(name)) {
            problems.push(
              `${at} names model group ${JSON.stringify(name)}, which no model_list entry has: add it or fix the name (groups: ${listed})${locate(path)}`,
            );
          }
        }
        if (targets.includes(group)) {
          problems.push(`${at} makes model group ${JSON.stringify(group)} fall back to itself: remove it from its own list${locate(path)}`);
        }
      }
    });
  }
  const ids = new Map<string, number>();
  config.model_list.forEach((deployment, index) => {
    const id = deployment.model_info?.id;
    if (id !== undefined) {
      const first = ids.get(id);
      const path = ['model_list', index, 'model_info', 'id'];
      if (first === undefined) ids.set(id, index);
      else
        problems.push(
          `${formatKeyPath(path)} repeats the id ${JSON.stringify(id)} of model_list[${first}]: give each deployment its own id, or leave it out${locate(path)}`,
        );
    }
    const params = deployment.litellm_params;
    const provider = params['custom_llm_provider'];
    if (provider !== undefined && typeof provider !== 'string') {
      const path = ['model_list', index, 'litellm_params', 'custom_llm_provider'];
      problems.push(`${formatKeyPath(path)} must be a string (a provider name)${locate(path)}`);
      return;
    }
    try {
      resolveModel(registry, params.model, provider);
    } catch (error) {
      const path = ['model_list', index, 'litellm_params', 'model'];
      const message = error instanceof Error ? error.message : String(error);
      problems.push(`${formatKeyPath(path)}: ${message.replace(/\.$/, '')}${locate(path)}`);
    }
  });
  return problems;
}
