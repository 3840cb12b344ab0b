// LiteLLM's `os.environ/NAME` values: read from an env object, anywhere in the config.
import { ConfigError, formatKeyPath, type KeyPath } from './config-error.js';

const PREFIX = 'os.environ/';
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface ResolveOptions {
  /** Prefixed to error messages (the config file). */
  source?: string;
  /** Where `value` sits in the config. */
  path?: KeyPath;
}

/** The variable a value refers to, when it is a reference. */
export function envReferenceName(value: unknown): string | undefined {
  return typeof value === 'string' && value.startsWith(PREFIX) ? value.slice(PREFIX.length) : undefined;
}

/** A copy of `value` with every reference replaced by its variable's value; the input is never mutated. */
export function resolveEnvReferences<T>(value: T, env: NodeJS.ProcessEnv, options: ResolveOptions = {}): T {
  return resolve(value, env, options.path ?? [], options.source) as T;
}

function resolve(value: unknown, env: NodeJS.ProcessEnv, path: KeyPath, source: string | undefined): unknown {
  const name = envReferenceName(value);
  if (name !== undefined) return read(name, env, path, source);
  if (Array.isArray(value)) return value.map((item, index) => resolve(item, env, [...path, index], source));
  if (isPlainObject(value)) {
    // fromEntries defines own properties, so a `__proto__` key stays data.
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolve(item, env, [...path, key], source)]));
  }
  return value;
}

function read(name: string, env: NodeJS.ProcessEnv, path: KeyPath, source: string | undefined): string {
  const at = `${source === undefined ? '' : `${source}: `}${formatKeyPath(path)} reads ${PREFIX}${name}`;
  if (!NAME.test(name)) {
    throw new ConfigError(`${at}, which is not a valid variable name: use letters, digits and _ (not starting with a digit)`);
  }
  const found = env[name];
  if (found !== undefined && found !== '') return found;
  const state = found === undefined ? 'not set' : 'empty';
  // A variable under environment_variables can only come from the real environment.
  const elsewhere = path[0] === 'environment_variables' ? '' : ', or put it under environment_variables';
  throw new ConfigError(`${at}, which is ${state}: export ${name}=... before starting${elsewhere}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
