// Schema errors of a config as a person reads them: the key path, what is wrong, how to fix it, and the line.
import { validateProxyConfig } from '../../generated/canonical/validators.js';
import { formatKeyPath, isSecretPath, type KeyPath } from './config-error.js';
import { envReferenceName } from './env-references.js';
import { pointerToPath, valueAt } from './key-paths.js';
import type { AjvError, CompiledValidator } from '../params/compiled-validator.js';

export type { AjvError } from '../params/compiled-validator.js';

const validate = validateProxyConfig as unknown as CompiledValidator;

export function validateConfigSchema(data: unknown): boolean {
  return validate(data);
}

export function validationErrors(): AjvError[] {
  return validate.errors ?? [];
}

export function describeSchemaError(error: AjvError, data: unknown, raw: unknown, locate: (path: KeyPath) => string): string[] {
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
        return [
          `${at} has the name ${JSON.stringify(error.propertyName)}, which is not a valid variable name: use letters, digits and _ (not starting with a digit)${where}`,
        ];
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
