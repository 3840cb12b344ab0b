// The proxy's LiteLLM-style config.yaml: parse, read environment_variables and os.environ/ references,
// validate against spec/canonical/proxy-config.schema.json, then check what the schema cannot.
import { readFile, stat } from 'node:fs/promises';
import { join, resolve as resolvePath } from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { ProxyConfig } from '../../generated/canonical/types.js';
import { validateProxyConfig } from '../../generated/canonical/validators.js';
import { registry as builtInRegistry } from '../../generated/registry.js';
import { resolveModel } from '../dispatch/resolve-model.js';
import type { Registry } from '../provider/types.js';
import { ConfigError, formatKeyPath, isSecretPath, problemsError, type KeyPath } from './config-error.js';
import { envReferenceName, resolveEnvReferences } from './env-references.js';

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

interface AjvError {
  instancePath: string;
  propertyName?: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

type CompiledValidator = ((data: unknown) => boolean) & { errors?: AjvError[] | null };

const validate = validateProxyConfig as unknown as CompiledValidator;

const MAX_GROUPS_LISTED = 20;

export async function loadConfigFile(path: string, env: NodeJS.ProcessEnv, registry?: Registry): Promise<LoadedConfig> {
  const text = await readConfigText(path);
  return parseConfig(text, registry === undefined ? { env, source: path } : { env, source: path, registry });
}

export function parseConfig(text: string, options: ParseOptions): LoadedConfig {
  const { source } = options;
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: true, lineCounter });
  const raw = rootMapping(doc, source);
  return configFromObject(raw, options, (path: KeyPath): string => lineOf(doc, lineCounter, path));
}

/** The checks of a config file for a config given as an object (the SDK's Router). */
export function configFromObject(raw: Record<string, unknown>, options: ParseOptions, locate: (path: KeyPath) => string = () => ''): LoadedConfig {
  const { source } = options;
  const { kept, ignored } = dropIgnoredKeys(raw);
  const env = mergeEnvironment(kept['environment_variables'], options.env, source);
  const resolved = resolveEnvReferences(kept, env, { source });
  if (!validate(resolved)) {
    const errors = validate.errors ?? [];
    const problems = [...new Set(errors.flatMap((error) => describeSchemaError(error, resolved, kept, locate)))];
    throw problemsError(source, problems);
  }
  const config = resolved as unknown as ProxyConfig;
  const problems = semanticProblems(config, options.registry ?? builtInRegistry, locate);
  if (problems.length > 0) throw problemsError(source, problems);
  const warnings = ignored.length > 0 ? [`ignoring keys imagegate does not use: ${ignored.join(', ')}`] : [];
  return { config, env, warnings, source };
}

async function readConfigText(path: string): Promise<string> {
  try {
    if ((await stat(path)).isDirectory()) {
      throw new ConfigError(
        `config ${path} is a directory, not a file: pass the YAML file itself, e.g. --config ${join(path, 'config.yaml')}`,
      );
    }
    return await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(unreadable(path, error), { cause: error });
  }
}

function unreadable(path: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return `config file ${path} does not exist (looked for ${resolvePath(path)}): check the --config path`;
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return `config file ${path} cannot be read (permission denied): check the --config path and the file's permissions`;
  }
  return `config file ${path} cannot be read (${code ?? String(error)}): check the --config path`;
}

function rootMapping(doc: Document, source: string): Record<string, unknown> {
  const syntax = doc.errors[0];
  if (syntax !== undefined) {
    const pos = syntax.linePos?.[0];
    const where = pos === undefined ? source : `${source}:${pos.line}:${pos.col}`;
    // Only the first line: yaml's pretty excerpt quotes the source, which may hold a credential.
    const message = (syntax.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(`${where}: ${message}: fix the YAML there`);
  }
  const contents = doc.contents;
  const needs = 'a config is a mapping that needs model_list: with at least one deployment (- model_name: ..., litellm_params: {model: ...})';
  if (contents === null || (isScalar(contents) && contents.value === null)) {
    throw new ConfigError(`${source} is empty: ${needs}`);
  }
  if (!isMap(contents)) {
    const what = isScalar(contents) ? 'a single value' : 'a list';
    throw new ConfigError(`${source}: the top level is ${what}, but ${needs}`);
  }
  try {
    return doc.toJS() as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(`${source}: ${error instanceof Error ? error.message : String(error)}: fix the YAML`, { cause: error });
  }
}

/** A copy without the keys the schema does not know (additionalProperties), and their paths. */
function dropIgnoredKeys(raw: Record<string, unknown>): { kept: Record<string, unknown>; ignored: string[] } {
  // Keys are the same before and after os.environ/ references are read, so the raw config says which to drop.
  if (validate(raw)) return { kept: raw, ignored: [] };
  const kept = structuredClone(raw);
  const ignored: string[] = [];
  for (const error of validate.errors ?? []) {
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
    const resolved = resolveEnvReferences(value, env, { source, path: ['environment_variables', name] });
    // Anything else is a schema error, reported by validation.
    if (typeof resolved === 'string' || typeof resolved === 'number' || typeof resolved === 'boolean') {
      env[name] = String(resolved);
    }
  }
  return env;
}

function describeSchemaError(error: AjvError, data: unknown, raw: unknown, locate: (path: KeyPath) => string): string[] {
  const path = pointerToPath(data, error.instancePath);
  const at = formatKeyPath(path);
  const where = locate(path);
  const params = error.params;
  switch (error.keyword) {
    case 'required': {
      const missing = String(params['missingProperty']);
      return [`${formatKeyPath([...path, missing])} is missing: ${requiredHint(missing)}${where}`];
    }
    case 'propertyNames':
      return []; // the failing name's own error says more
    case 'additionalProperties':
      return [`${formatKeyPath([...path, String(params['additionalProperty'])])} is not a known key: remove it${where}`];
    case 'minItems':
      if (at === 'model_list') return [`model_list is empty: add at least one deployment${where}`];
      return [`${at} must list at least ${String(params['limit'])} item${params['limit'] === 1 ? '' : 's'}${where}`];
    case 'minProperties':
    case 'maxProperties':
      return [`${at} must name exactly one group: write - {group: [fallback, ...]}${where}`];
    case 'minLength':
      return [`${at} must not be empty${where}`];
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return [`${at} must be ${String(params['comparison'])} ${String(params['limit'])}${fromEnv(raw, path)}${where}`];
    case 'type':
      return [`${at} must be ${typeNames(String(params['type']))}${fromEnv(raw, path)}${where}`];
    case 'enum': {
      const allowed = (params['allowedValues'] as unknown[]).map(String).join(', ');
      const value = valueAt(data, path);
      const got = isSecretPath(path) || typeof value === 'object' ? '' : ` is ${JSON.stringify(value)}, which`;
      return [`${at}${got} is not allowed: use one of ${allowed}${where}`];
    }
    case 'pattern':
      if (error.propertyName !== undefined) {
        return [`${at} has the name ${JSON.stringify(error.propertyName)}, which is not a valid variable name: use letters, digits and _ (not starting with a digit)${where}`];
      }
      return [`${at} ${patternHint(path)}${fromEnv(raw, path)}${where}`];
    default:
      if (error.propertyName !== undefined) {
        return [`${at} may not have a key named ${JSON.stringify(error.propertyName)}: remove it${where}`];
      }
      return [`${at} ${error.message ?? 'is not valid'}${where}`];
  }
}

function requiredHint(missing: string): string {
  if (missing === 'model_list') return 'add model_list: with at least one deployment';
  if (missing === 'model') return 'add model: <provider prefix>/<model>';
  if (missing === 'model_name') return 'add model_name: <the model group clients ask for>';
  return `add ${missing}:`;
}

function patternHint(path: KeyPath): string {
  const key = path[path.length - 1];
  if (key === 'api_base') return 'must be an http:// or https:// URL without spaces';
  if (key === 'id') return 'must be printable ASCII without spaces';
  return 'has the wrong format';
}

const TYPE_NAMES: Record<string, string> = {
  number: 'a number',
  integer: 'a whole number',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping of key: value lines',
  array: 'a list of - items',
  null: 'null',
};

function typeNames(types: string): string {
  return types
    .split(',')
    .map((type) => TYPE_NAMES[type] ?? type)
    .join(' or ');
}

/** Why a value from os.environ/ can have the wrong type: environment values are strings. */
function fromEnv(raw: unknown, path: KeyPath): string {
  const name = envReferenceName(valueAt(raw, path));
  return name === undefined ? '' : ` (it reads os.environ/${name}, whose value is a string)`;
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
            problems.push(`${at} names model group ${JSON.stringify(name)}, which no model_list entry has: add it or fix the name (groups: ${listed})${locate(path)}`);
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
      else problems.push(`${formatKeyPath(path)} repeats the id ${JSON.stringify(id)} of model_list[${first}]: give each deployment its own id, or leave it out${locate(path)}`);
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

/** Key path of a JSON pointer; segments under lists become indexes. */
function pointerToPath(data: unknown, pointer: string): KeyPath {
  const path: (string | number)[] = [];
  let node = data;
  for (const escaped of pointer.split('/').slice(1)) {
    const key = escaped.replace(/~1/g, '/').replace(/~0/g, '~');
    const segment = Array.isArray(node) ? Number(key) : key;
    path.push(segment);
    node = node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[segment] : undefined;
  }
  return path;
}

function valueAt(data: unknown, path: KeyPath): unknown {
  let node = data;
  for (const segment of path) {
    if (node === null || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, segment)) return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

/** ` (line N)` of the YAML node at a path, when the document has it. */
function lineOf(doc: Document, lineCounter: LineCounter, path: KeyPath): string {
  const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
  const offset = node?.range?.[0];
  return offset === undefined ? '' : ` (line ${lineCounter.linePos(offset).line})`;
}
