// Resolves a provider's settings (api_key, api_base, api_version, ...) from call params, then the
// environment, then the spec's default. Explicit params win.
import { BUILTIN_PROTOCOL } from '../builtin/upstreams.js';
import { AuthenticationError, BadRequestError } from '../errors/classes.js';
import type { ProviderDefinition, SettingSpec } from '../provider/types.js';

export type Settings = Record<string, string | undefined>;

function firstValue(spec: SettingSpec, controls: Record<string, unknown>, env: NodeJS.ProcessEnv): { value: string; from: string } | undefined {
  for (const param of spec.params) {
    const value = controls[param];
    if (typeof value === 'string' && value.length > 0) return { value, from: `param ${param}` };
  }
  for (const name of spec.env) {
    const value = env[name];
    if (value !== undefined && value.trim().length > 0) return { value: value.trim(), from: `environment variable ${name}` };
  }
  return spec.default === undefined ? undefined : { value: spec.default, from: 'default' };
}

function missing(provider: ProviderDefinition, name: string, spec: SettingSpec): Error {
  const where = [...spec.params.map((p) => `pass ${p}`), ...spec.env.map((e) => `set ${e}`)].join(' or ');
  const message = `${provider.displayName} needs ${name} (${spec.description.replace(/\.$/, '')}): ${where}.`;
  const details = { param: spec.params[0] ?? name, provider: provider.id, code: `missing_${name}` };
  return spec.secret ? new AuthenticationError(message, details) : new BadRequestError(message, details);
}

function normaliseBaseUrl(provider: ProviderDefinition, name: string, value: string, from: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new BadRequestError(`${provider.displayName} ${name} from ${from} is not a URL. Use e.g. https://host/path.`, {
      param: name,
      provider: provider.id,
      code: 'invalid_api_base',
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:' && url.protocol !== BUILTIN_PROTOCOL) {
    throw new BadRequestError(`${provider.displayName} ${name} from ${from} must be an http(s) URL.`, { param: name, provider: provider.id, code: 'invalid_api_base' });
  }
  return value.replace(/\/+$/, '');
}

export function resolveSettings(provider: ProviderDefinition, controls: Record<string, unknown>, env: NodeJS.ProcessEnv): Settings {
  const settings: Settings = {};
  for (const [name, spec] of Object.entries(provider.settings)) {
    const found = firstValue(spec, controls, env);
    if (found === undefined) {
      if (spec.required) throw missing(provider, name, spec);
      settings[name] = undefined;
      continue;
    }
    settings[name] = name === provider.generate.baseSetting ? normaliseBaseUrl(provider, name, found.value, found.from) : found.value;
  }
  return settings;
}

/** Every secret value in the settings, for redaction. */
export function secretValues(provider: ProviderDefinition, settings: Settings): string[] {
  return Object.entries(provider.settings)
    .filter(([name, spec]) => spec.secret && settings[name] !== undefined)
    .map(([name]) => settings[name]!);
}
