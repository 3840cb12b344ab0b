// The user boundary: the unified request checked by the precompiled validator from spec/canonical.
import { validateImageEditRequest, validateImageGenerationRequest } from '../../generated/canonical/validators.js';
import { BadRequestError } from '../errors/classes.js';
import { MAX_PARAM_DEPTH, tooDeeplyNested } from './nesting-depth.js';
import type { AjvError, CompiledValidator } from './compiled-validator.js';

const validate = validateImageGenerationRequest as unknown as CompiledValidator;
const validateEditFields = validateImageEditRequest as unknown as CompiledValidator;

function paramOf(error: AjvError): string | undefined {
  if (error.keyword === 'required') return String(error.params['missingProperty']);
  const segments = error.instancePath.split('/').filter(Boolean);
  if (segments.length > 0) return segments.join('.');
  return error.propertyName ?? (error.keyword === 'propertyNames' ? String(error.params['propertyName'] ?? '') : undefined);
}

function describe(error: AjvError, value: unknown): string {
  const param = paramOf(error);
  if (error.keyword === 'required') return `Missing required param "${param}".`;
  const badName = error.propertyName ?? (error.keyword === 'propertyNames' ? String(error.params['propertyName'] ?? '') : undefined);
  if (badName !== undefined) {
    return error.instancePath === '' ? `Param name "${badName}" is not allowed.` : `Invalid "${param}": the name "${badName}" is not allowed.`;
  }
  const got = value === undefined ? '' : ` (got ${JSON.stringify(value)?.slice(0, 80)})`;
  const allowed = Array.isArray(error.params['allowedValues']) ? `: one of ${(error.params['allowedValues'] as unknown[]).join(', ')}` : '';
  return `Invalid "${param}": ${error.message ?? 'invalid'}${allowed}${got}.`;
}

function valueAt(data: Record<string, unknown>, instancePath: string): unknown {
  return instancePath
    .split('/')
    .filter(Boolean)
    .reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), data);
}

function checkDepth(data: Record<string, unknown>): void {
  const deep = tooDeeplyNested(data);
  if (deep !== undefined) {
    throw new BadRequestError(`"${deep}" nests objects or arrays more than ${MAX_PARAM_DEPTH} levels deep: flatten it.`, {
      param: deep,
      code: 'invalid_request',
    });
  }
}

function reject(errors: AjvError[], data: Record<string, unknown>): never {
  const first = errors[0];
  const messages = [...new Set(errors.slice(0, 5).map((e) => describe(e, valueAt(data, e.instancePath))))];
  throw new BadRequestError(`${messages.join(' ')} Fix the request and try again.`, {
    param: first === undefined ? null : (paramOf(first) ?? null),
    code: 'invalid_request',
  });
}

export function validateRequest(data: Record<string, unknown>): void {
  checkDepth(data);
  if (!validate(data)) reject(validate.errors ?? [], data);
}

/** An edit's params (its files already taken out): the generation rules, except that the model decides whether a prompt is needed. */
export function validateEditRequest(data: Record<string, unknown>): void {
  checkDepth(data);
  const errors = validate(data) ? [] : (validate.errors ?? []).filter((e) => !(e.keyword === 'required' && e.params['missingProperty'] === 'prompt'));
  if (!validateEditFields(data)) errors.push(...(validateEditFields.errors ?? []));
  if (errors.length > 0) reject(errors, data);
}
