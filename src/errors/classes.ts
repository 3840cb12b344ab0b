// One OpenAI-compatible error hierarchy for every provider.

export interface ErrorDetails {
  status?: number;
  provider?: string;
  model?: string;
  code?: string | null;
  param?: string | null;
  type?: string | null;
  cause?: unknown;
  headers?: Record<string, string>;
}

/** Where a routed call went; set by the Router on its results and errors. */
export interface RoutingInfo {
  model_group: string;
  /** The deployment of the last attempt, when one was picked. */
  model_id: string | null;
  provider: string | null;
  attempted_retries: number;
  attempted_fallbacks: number;
}

export class ImagegateError extends Error {
  static readonly defaultStatus: number | undefined = undefined;
  static readonly openaiType: string = 'api_error';
  readonly status: number | undefined;
  readonly provider: string | undefined;
  readonly model: string | undefined;
  readonly code: string | null;
  readonly param: string | null;
  /** The error type as OpenAI names it (`invalid_request_error`, ...), or the upstream's own. */
  readonly type: string;
  /** Response headers of the failed upstream call (retry hints), when there was one. */
  readonly headers: Record<string, string>;
  /** Set by the Router: the group, deployment and attempts behind this error. */
  routing: RoutingInfo | undefined;

  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    const ctor = this.constructor as typeof ImagegateError;
    this.name = ctor.name;
    this.status = details.status ?? ctor.defaultStatus;
    this.provider = details.provider;
    this.model = details.model;
    this.code = details.code ?? null;
    this.param = details.param ?? null;
    this.type = details.type ?? ctor.openaiType;
    this.headers = details.headers ?? {};
  }

  /** The OpenAI error envelope for this error. */
  toJSON(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export class BadRequestError extends ImagegateError {
  static override readonly defaultStatus = 400;
  static override readonly openaiType = 'invalid_request_error';
}

export class UnsupportedParamsError extends BadRequestError {}

export class ContentPolicyViolationError extends BadRequestError {}

export class AuthenticationError extends ImagegateError {
  static override readonly defaultStatus = 401;
  static override readonly openaiType = 'authentication_error';
}

export class PermissionDeniedError extends ImagegateError {
  static override readonly defaultStatus = 403;
  static override readonly openaiType = 'permission_denied_error';
}

export class NotFoundError extends ImagegateError {
  static override readonly defaultStatus = 404;
  static override readonly openaiType = 'not_found_error';
}

export class TimeoutError extends ImagegateError {
  static override readonly defaultStatus = 408;
  static override readonly openaiType = 'timeout_error';
}

export class ConflictError extends ImagegateError {
  static override readonly defaultStatus = 409;
  static override readonly openaiType = 'conflict_error';
}

export class RateLimitError extends ImagegateError {
  static override readonly defaultStatus = 429;
  static override readonly openaiType = 'rate_limit_error';
}

export class InternalServerError extends ImagegateError {
  static override readonly defaultStatus = 500;
  static override readonly openaiType = 'api_error';
}

export class BadGatewayError extends ImagegateError {
  static override readonly defaultStatus = 502;
  static override readonly openaiType = 'api_error';
}

export class ServiceUnavailableError extends ImagegateError {
  static override readonly defaultStatus = 503;
  static override readonly openaiType = 'api_error';
}

/** The provider could not be reached (DNS, refused, reset) — there is no HTTP status. */
export class APIConnectionError extends ImagegateError {
  static override readonly openaiType = 'api_connection_error';
}

/** The caller's AbortSignal fired. */
export class APIUserAbortError extends ImagegateError {
  static override readonly openaiType = 'request_aborted';
}
