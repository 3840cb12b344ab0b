import { Agent, request } from 'undici';
import { BUILTIN_PROTOCOL, callBuiltin } from '../builtin/upstreams.js';
import {
  APIConnectionError,
  APIUserAbortError,
  BadGatewayError,
  ImagegateError,
  TimeoutError,
  type ErrorDetails,
} from '../errors/classes.js';

export interface HttpRequest {
  url: string;
  method: 'POST' | 'GET';
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface SendOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  maxResponseBytes?: number;
  context?: { provider?: string; model?: string };
}

const DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

// Our own timer bounds the whole exchange, so undici's per-phase timeouts are disabled.
const agent = new Agent({
  keepAliveTimeout: 30_000,
  keepAliveMaxTimeout: 600_000,
  connections: 128,
  headersTimeout: 0,
  bodyTimeout: 0,
});

class ResponseTooLarge extends Error {}

export async function sendHttp(req: HttpRequest, options: SendOptions): Promise<HttpResponse> {
  const details: ErrorDetails = { provider: options.context?.provider, model: options.context?.model };
  const origin = originOf(req.url, details);
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const userSignal = options.signal;

  if (userSignal?.aborted) throw userAbort(details, userSignal.reason);

  const controller = new AbortController();
  let cause: 'timeout' | 'user' | undefined;
  const timer = setTimeout(() => {
    cause ??= 'timeout';
    controller.abort();
  }, options.timeoutMs);
  const onUserAbort = (): void => {
    cause ??= 'user';
    controller.abort();
  };
  userSignal?.addEventListener('abort', onUserAbort, { once: true });

  try {
    if (req.url.startsWith(BUILTIN_PROTOCOL)) return await callBuiltin(req, controller.signal);
    const response = await request(req.url, {
      dispatcher: agent,
      method: req.method,
      headers: req.headers,
      body: req.body,
      signal: controller.signal,
    });
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      controller.abort();
      throw new ResponseTooLarge();
    }
    const chunks: Buffer[] = [];
    let received = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      received += chunk.length;
      if (received > maxBytes) {
        controller.abort();
        throw new ResponseTooLarge();
      }
      chunks.push(chunk);
    }
    return {
      status: response.statusCode,
      headers: normalizeHeaders(response.headers),
      body: Buffer.concat(chunks, received).toString('utf8'),
    };
  } catch (error) {
    if (error instanceof ResponseTooLarge) {
      throw new BadGatewayError(`Upstream ${origin} sent a response larger than ${maxBytes} bytes`, details);
    }
    if (cause === 'timeout') {
      throw new TimeoutError(`Request to ${origin} timed out after ${formatSeconds(options.timeoutMs)}`, details);
    }
    if (cause === 'user') throw userAbort(details, userSignal?.reason);
    throw connectionError(error, origin, details);
  } finally {
    clearTimeout(timer);
    userSignal?.removeEventListener('abort', onUserAbort);
  }
}

function originOf(url: string, details: ErrorDetails): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ImagegateError('Invalid upstream URL', details);
  }
  if (parsed.protocol === BUILTIN_PROTOCOL) return `${parsed.protocol}//${parsed.host}`;
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ImagegateError(`Unsupported upstream URL scheme ${parsed.protocol}`, details);
  }
  const port = parsed.port || (parsed.protocol === 'https:' ? '443' : '80');
  return `${parsed.protocol}//${parsed.hostname}:${port}`;
}

function userAbort(details: ErrorDetails, cause: unknown): APIUserAbortError {
  return new APIUserAbortError('Request was aborted by the caller', { ...details, cause });
}

function connectionError(error: unknown, origin: string, details: ErrorDetails): ImagegateError {
  const code = errorCode(error);
  if (code === 'UND_ERR_INVALID_ARG') {
    return new ImagegateError(`Invalid request to ${origin} (${code})`, { ...details, cause: error });
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new TimeoutError(`Request to ${origin} timed out (${code})`, details);
  }
  return new APIConnectionError(`Connection error to ${origin} (${code ?? 'UNKNOWN'})`, { ...details, cause: error });
}

// undici wraps socket failures: fetch-style "terminated" TypeErrors and AggregateErrors carry the code deeper.
function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    if (current instanceof AggregateError && current.errors[0] !== undefined) {
      current = current.errors[0];
    } else {
      current = current.cause;
    }
  }
  if (error instanceof Error && error.message === 'terminated') return 'TERMINATED';
  return undefined;
}

function normalizeHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    result[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return result;
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}
