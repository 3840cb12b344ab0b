// Every failure becomes the OpenAI error envelope with the right status; nothing internal leaks.
import { ImagegateError } from '../errors/classes.js';

export interface ErrorReply {
  status: number;
  body: {
    error: {
      message: string;
      type: string;
      param: string | null;
      code: string | null;
    };
  };
  headers: Record<string, string>;
}

const TYPE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_denied_error',
  404: 'not_found_error',
  405: 'invalid_request_error',
  408: 'timeout_error',
  413: 'invalid_request_error',
  415: 'invalid_request_error',
  429: 'rate_limit_error',
};

// Messages and params may quote what the client sent (a model name, a key, a value), which can be megabytes: every
// answer, and the log line that repeats its error, stays this small.
const MAX_MESSAGE_CHARS = 2000;
const MAX_PARAM_CHARS = 200;

/** `text` cut in the middle when longer than `max` characters, saying how much was left out. */
function bounded(text: string, max: number): string {
  if (text.length <= max) return text;
  const gap = `… [${text.length - max} characters omitted] …`;
  const kept = Math.max(0, max - gap.length);
  const head = Math.ceil((kept * 3) / 4);
  return `${text.slice(0, head)}${gap}${text.slice(text.length - (kept - head))}`;
}

export function envelope(status: number, message: string, code: string | null, param: string | null = null): ErrorReply {
  return {
    status,
    body: {
      error: {
        message: bounded(message, MAX_MESSAGE_CHARS),
        type: TYPE_BY_STATUS[status] ?? 'api_error',
        param: param === null ? null : bounded(param, MAX_PARAM_CHARS),
        code,
      },
    },
    headers: {},
  };
}

/** Framework errors (body parsing, limits) carry a statusCode and a FST_* code. */
interface FrameworkError {
  statusCode?: number;
  code?: string;
  message?: string;
}

function frameworkReply(error: FrameworkError, limitMb: number): ErrorReply | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return envelope(
        413,
        `The request body is larger than this proxy accepts (${limitMb} MB, general_settings.max_request_size_mb).`,
        'request_too_large',
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return envelope(
        415,
        'Send the request as JSON with Content-Type: application/json (image edits also take multipart/form-data).',
        'unsupported_media_type',
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return envelope(400, 'The request body is empty: send a JSON object such as {"model": "...", "prompt": "..."}.', 'invalid_json');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return envelope(400, 'The Content-Length header does not match the body.', 'invalid_request');
    default:
      break;
  }
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    const detail = (error.message ?? '').replace(/\s+/g, ' ').slice(0, 200);
    return envelope(400, `The request body is not valid JSON (${detail}).`, 'invalid_json');
  }
  const status = error.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return envelope(status, (error.message ?? 'Bad request').slice(0, 300), error.code ?? null);
  }
  return undefined;
}

export function errorReply(error: unknown, limitMb: number): ErrorReply {
  if (error instanceof ImagegateError) {
    const status = error.status ?? 502;
    const reply = envelope(status, error.message, error.code, error.param);
    reply.body.error.type = error.type;
    const retryAfter = error.headers['retry-after'] ?? error.headers['Retry-After'];
    if ((status === 429 || status === 503) && retryAfter !== undefined) reply.headers['retry-after'] = retryAfter;
    return reply;
  }
  const framework = frameworkReply((error ?? {}) as FrameworkError, limitMb);
  return framework ?? envelope(500, 'imagegate hit an internal error; the request id is in x-imagegate-call-id.', 'internal_error');
}
