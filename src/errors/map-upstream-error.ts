// Turns a provider's error answer into the right class of the hierarchy, by the spec's classify
// rules first and the HTTP status second. Messages are redacted of every credential.
import type { HttpResponse } from '../http/transport.js';
import type { ErrorClassName, ErrorMapping, ProviderDefinition } from '../provider/types.js';
import { readField } from '../translate/read-body.js';
import {
  AuthenticationError,
  BadGatewayError,
  BadRequestError,
  ConflictError,
  ContentPolicyViolationError,
  ImagegateError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ServiceUnavailableError,
  TimeoutError,
} from './classes.js';
import { redactSecrets } from './redact.js';

type ErrorClass = new (message: string, details: ConstructorParameters<typeof ImagegateError>[1]) => ImagegateError;

const classesByName: Record<ErrorClassName, ErrorClass> = {
  'bad-request': BadRequestError,
  'content-policy': ContentPolicyViolationError,
  authentication: AuthenticationError,
  'permission-denied': PermissionDeniedError,
  'not-found': NotFoundError,
  timeout: TimeoutError,
  conflict: ConflictError,
  'rate-limit': RateLimitError,
  'internal-server': InternalServerError,
  'bad-gateway': BadGatewayError,
  'service-unavailable': ServiceUnavailableError,
};

const classesByStatus: Record<number, ErrorClass> = {
  400: BadRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  408: TimeoutError,
  409: ConflictError,
  422: BadRequestError,
  429: RateLimitError,
  500: InternalServerError,
  502: BadGatewayError,
  503: ServiceUnavailableError,
  504: TimeoutError,
};

function classForStatus(status: number): ErrorClass {
  const known = classesByStatus[status];
  if (known !== undefined) return known;
  if (status >= 500) return InternalServerError;
  // A 1xx/3xx that reaches error mapping is an answer the gateway cannot use.
  return status >= 400 ? BadRequestError : BadGatewayError;
}

export function readPointer(body: unknown, pointer: string | undefined): unknown {
  if (pointer === undefined) return undefined;
  return pointer
    .split('/')
    .slice(1)
    .reduce<unknown>((node, key) => readField(node, key), body);
}

function stringAt(body: unknown, pointer: string | undefined): string | undefined {
  const value = readPointer(body, pointer);
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

function matches(mapping: ErrorMapping['classify'][number], status: number, body: unknown, headers: Record<string, string>, message: string): boolean {
  const { when } = mapping;
  if (when.status !== undefined && !when.status.includes(status)) return false;
  if (when.message_matches !== undefined && !new RegExp(when.message_matches, 'i').test(message)) return false;
  if (when.in === undefined) return true;
  const actual = when.pointer !== undefined ? stringAt(body, when.pointer) : headers[when.header ?? ''];
  return actual !== undefined && when.in.includes(actual.split(':')[0]!.trim());
}

/** An error code carried in a header, e.g. x-amzn-ErrorType: ValidationException:http://internal.amazon.com/... */
function headerCode(headers: Record<string, string>, name: string | undefined): string | undefined {
  const value = name === undefined ? undefined : headers[name];
  const code = value?.split(':')[0]?.trim();
  return code === undefined || code.length === 0 ? undefined : code;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The upstream's own error message from a body, or undefined when it has none. */
export function upstreamMessage(mapping: ErrorMapping, body: unknown): string | undefined {
  for (const pointer of mapping.message) {
    const message = stringAt(body, pointer);
    if (message !== undefined) return message;
  }
  return undefined;
}

export interface UpstreamErrorContext {
  provider: ProviderDefinition;
  model: string;
  secrets: readonly string[];
}

export function mapUpstreamError(context: UpstreamErrorContext, response: HttpResponse): ImagegateError {
  const { provider } = context;
  const body = parseJson(response.body);
  const mapping = provider.errors;
  const detail = upstreamMessage(mapping, body) ?? (response.body.trim().slice(0, 300) || 'no error message');
  const rule = mapping.classify.find((r) => matches(r, response.status, body, response.headers, detail));
  const ErrorType = rule !== undefined ? classesByName[rule.error] : classForStatus(response.status);
  const message = redactSecrets(`${provider.displayName} (${context.model}) returned HTTP ${response.status}: ${detail}`, context.secrets);
  const code = stringAt(body, mapping.code) ?? headerCode(response.headers, mapping.codeHeader);
  const param = stringAt(body, mapping.param);
  const type = stringAt(body, mapping.type);
  return new ErrorType(message, {
    status: response.status >= 400 ? response.status : undefined,
    provider: provider.id,
    model: context.model,
    code: code === undefined ? null : redactSecrets(code, context.secrets),
    param: param === undefined ? null : redactSecrets(param, context.secrets),
    type: type === undefined ? undefined : redactSecrets(type, context.secrets),
    headers: response.headers,
  });
}
