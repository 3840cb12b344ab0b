// Resolves a provider's settings (api_key, api_base, region, ...) from call params, then the environment,
// then a named fallback (e.g. the AWS profile's region), then the spec's default, whose {placeholders}
// expand from other settings. Explicit params win.
import { BoundedCache } from '../bounded-cache.js';
import { BUILTIN_PROTOCOL } from '../builtin/upstreams.js';
import { AuthenticationError, BadRequestError } from '../errors/classes.js';
import type { ProviderDefinition, SettingFallback, SettingSpec } from '../provider/types.js';
import { regionFromAwsProfile } from './aws-shared-config.js';

export type Settings = Record<string, string | undefined>;

const sourcesOf = new WeakMap<Settings, Map<string, string>>();

/** Where a resolved setting came from: "param X", "environment variable Y", "default", ... */
export function settingSource(settings: Settings, name: string): string | undefined {
  return sourcesOf.get(settings)?.get(name);
}

interface Found {
  value: string;
  from: string;
}

function fromParamsOrEnv(spec: SettingSpec, controls: Record<string, unknown>, env: NodeJS.ProcessEnv): Found | undefined {
  for (const param of spec.params) {
    const value = controls[param];
    if (typeof value === 'string' && value.length > 0) return { value, from: `param ${param}` };
  }
  for (const name of spec.env) {
    const value = env[name];
    if (value !== undefined && value.trim().length > 0) return { value: value.trim(), from: `environment variable ${name}` };
  }
  return undefined;
}

async function fromFallback(fallback: SettingFallback, found: Map<string, Found>, env: NodeJS.ProcessEnv): Promise<Found | undefined> {
  if (fallback.from === 'google-credentials') {
    const credentials = fallback.credentials_setting === undefined ? undefined : found.get(fallback.credentials_setting)?.value;
    const { googleCredentialsProject } = await import('../auth/google-oauth.js');
    const value = await googleCredentialsProject({ credentials }, { env });
    return value === undefined ? undefined : { value, from: 'the Google credentials' };
  }
  const profile = fallback.profile_setting === undefined ? undefined : found.get(fallback.profile_setting)?.value;
  const value = await regionFromAwsProfile(profile, env);
  return value === undefined ? undefined : { value, from: `the AWS profile ${profile ?? env['AWS_PROFILE'] ?? 'default'}` };
}

export function missingSettingError(provider: ProviderDefinition, name: string, spec: SettingSpec, purpose?: string): Error {
  const where = [...spec.params.map((p) => `pass ${p}`), ...spec.env.map((e) => `set ${e}`)];
  if (spec.fallback !== undefined) where.push('set it in your AWS profile');
  const why = purpose === undefined ? '' : ` ${purpose}`;
  const message = `${provider.displayName} needs ${name} (${spec.description.replace(/\.$/, '')})${why}: ${where.join(' or ')}.`;
  const details = { param: spec.params[0] ?? name, provider: provider.id, code: `missing_${name}` };
  return spec.secret ? new AuthenticationError(message, details) : new BadRequestError(message, details);
}

function chosenDefault(spec: SettingSpec, found: Map<string, Found>): string | undefined {
  const by = spec.default_by;
  const key = by === undefined ? undefined : found.get(by.setting)?.value;
  if (by !== undefined && key !== undefined && Object.prototype.hasOwnProperty.call(by.values, key)) return by.values[key];
  return spec.default;
}

function expandDefault(provider: ProviderDefinition, name: string, template: string, found: Map<string, Found>): Found {
  const value = template.replace(/\{([a-z0-9_]+)\}/g, (_match, placeholder: string) => {
    const resolved = found.get(placeholder);
    if (resolved === undefined) throw missingSettingError(provider, placeholder, provider.settings[placeholder]!, `to build the default ${name}`);
    return resolved.value;
  });
  return { value, from: 'default' };
}

const patterns = new BoundedCache<RegExp>();

function compiled(pattern: string): RegExp {
  return patterns.get(pattern, () => new RegExp(pattern));
}

function checkPattern(provider: ProviderDefinition, name: string, spec: SettingSpec, found: Found): void {
  if (spec.pattern === undefined || compiled(spec.pattern).test(found.value)) return;
  const shown = spec.secret ? '' : ` ${JSON.stringify(found.value.slice(0, 100))}`;
  throw new BadRequestError(`${provider.displayName} ${name}${shown} from ${found.from} is not valid: it must match ${spec.pattern}.`, {
    param: spec.params[0] ?? name,
    provider: provider.id,
    code: `invalid_${name}`,
  });
}

// Each distinct base URL is checked once.
const baseUrls = new BoundedCache<string>();

function normaliseBaseUrl(provider: ProviderDefinition, name: string, found: Found): string {
  return baseUrls.get(found.value, () => {
    checkBaseUrl(provider, name, found);
    return found.value.replace(/\/+$/, '');
  });
}

function checkBaseUrl(provider: ProviderDefinition, name: string, found: Found): void {
  let url: URL;
  try {
    url = new URL(found.value);
  } catch {
    throw new BadRequestError(`${provider.displayName} ${name} from ${found.from} is not a URL. Use e.g. https://host/path.`, {
      param: name,
      provider: provider.id,
      code: 'invalid_api_base',
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:' && url.protocol !== BUILTIN_PROTOCOL) {
    throw new BadRequestError(`${provider.displayName} ${name} from ${found.from} must be an http(s) URL.`, { param: name, provider: provider.id, code: 'invalid_api_base' });
  }
}

export async function resolveSettings(provider: ProviderDefinition, controls: Record<string, unknown>, env: NodeJS.ProcessEnv): Promise<Settings> {
  const entries = Object.entries(provider.settings);
  const found = new Map<string, Found>();
  for (const [name, spec] of entries) {
    const value = fromParamsOrEnv(spec, controls, env);
    if (value !== undefined) found.set(name, value);
  }
  for (const [name, spec] of entries) {
    if (found.has(name) || spec.fallback === undefined) continue;
    const value = await fromFallback(spec.fallback, found, env);
    if (value !== undefined) found.set(name, value);
  }
  for (const [name, spec] of entries) {
    const value = found.get(name);
    if (value !== undefined) checkPattern(provider, name, spec, value);
  }
  for (const [name, spec] of entries) {
    const template = found.has(name) ? undefined : chosenDefault(spec, found);
    if (template !== undefined) found.set(name, expandDefault(provider, name, template, found));
  }
  const settings: Settings = {};
  for (const [name, spec] of entries) {
    const value = found.get(name);
    if (value === undefined && spec.required) throw missingSettingError(provider, name, spec);
    settings[name] = value === undefined ? undefined : name === provider.generate.baseSetting ? normaliseBaseUrl(provider, name, value) : value.value;
  }
  sourcesOf.set(settings, new Map([...found].map(([name, value]) => [name, value.from])));
  return settings;
}

/** Every secret value in the settings, for redaction. */
export function secretValues(provider: ProviderDefinition, settings: Settings): string[] {
  return Object.entries(provider.settings)
    .filter(([name, spec]) => spec.secret && settings[name] !== undefined)
    .map(([name]) => settings[name]!);
}
