import { EventEmitter } from 'node:events';
import type { Agent, request } from 'undici';
import { BoundedCache } from '../bounded-cache.js';
import { BUILTIN_PROTOCOL, callBuiltin } from '../builtin/upstreams.js';
import { APIConnectionError, APIUserAbortError, BadGatewayError, ImagegateError, TimeoutError, type ErrorDetails } from '../errors/classes.js';

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
  /** Told once the body has been read to its end, or abandoned. */
  onBodyEnd?: () => void;
}

export const DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

interface Undici {
  request: typeof request;
  agent: Agent;
}

let undici: Promise<Undici> | undefined;

/**
 * Closes the keep-alive connections to providers (they would otherwise linger up to the keep-alive timeout), once
 * the calls in progress have ended. A later call opens new ones.
 */
export async function closeUpstreamConnections(): Promise<void> {
  const loaded = undici;
  undici = undefined;
  if (loaded !== undefined) await (await loaded).agent.close();
}

/** undici is loaded by the first request, not on import: it is most of what importing imagegate would cost. */
function loadUndici(): Promise<Undici> {
  undici ??= import('undici').then(({ Agent, request }) => ({
    request,
    // Our own timer bounds the whole exchange, so undici's per-phase timeouts are disabled.
    agent: new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, connections: 128, headersTimeout: 0, bodyTimeout: 0 }),
  }));
  return undici;
}

/** A response whose body is read as it arrives; reading it maps timeouts, aborts and resets like the request. */
export interface StreamingHttpResponse {
  status: number;
  headers: Record<string, string>;
  body: AsyncIterable<Uint8Array>;
}

interface Exchange {
  /** For undici, which takes an EventEmitter that emits 'abort' as a signal: far cheaper than an AbortController per request. */
  emitter: EventEmitter;
  /** A real AbortSignal for the built-in upstream, made on demand. */
  abortSignal(): AbortSignal;
  cause: () => 'timeout' | 'user' | undefined;
  abort: () => void;
  close: () => void;
}

function startExchange(options: SendOptions, details: ErrorDetails): Exchange {
  const userSignal = options.signal;
  if (userSignal?.aborted) throw userAbort(details, userSignal.reason);
  const emitter = new EventEmitter();
  let aborted = false;
  let cause: 'timeout' | 'user' | undefined;
  const abort = (): void => {
    if (aborted) return;
    aborted = true;
    emitter.emit('abort');
  };
  const timer = setTimeout(() => {
    cause ??= 'timeout';
    abort();
  }, options.timeoutMs);
  const onUserAbort = (): void => {
    cause ??= 'user';
    abort();
  };
  userSignal?.addEventListener('abort', onUserAbort, { once: true });
  return {
    emitter,
    abortSignal: () => {
      const controller = new AbortController();
      if (aborted) controller.abort();
      else emitter.once('abort', () => controller.abort());
      return controller.signal;
    },
    cause: () => cause,
    abort,
    close: () => {
      clearTimeout(timer);
      userSignal?.removeEventListener('abort', onUserAbort);
    },
  };
}

function failure(error: unknown, exchange: Exchange, origin: string, options: SendOptions, details: ErrorDetails): Error {
  if (error instanceof ImagegateError) return error;
  if (exchange.cause() === 'timeout') return new TimeoutError(`Request to ${origin} timed out after ${formatSeconds(options.timeoutMs)}`, details);
  if (exchange.cause() === 'user') return userAbort(details, options.signal?.reason);
  return connectionError(error, origin, details);
}

async function* readBody(source: AsyncIterable<Uint8Array>, exchange: Exchange, fail: (error: unknown) => Error, onEnd?: () => void): AsyncGenerator<Uint8Array> {
  let complete = false;
  try {
    for await (const chunk of source) yield chunk;
    complete = true;
  } catch (error) {
    throw fail(error);
  } finally {
    // A reader that stops early (or fails) cancels the rest of the upstream body; a complete one keeps the connection.
    if (!complete) exchange.abort();
    exchange.close();
    onEnd?.();
  }
}

/** Sends a request and answers once the status and headers are in; the body streams. The timeout bounds the whole exchange. */
export async function openHttp(req: HttpRequest, options: SendOptions): Promise<StreamingHttpResponse> {
  const details: ErrorDetails = { provider: options.context?.provider, model: options.context?.model };
  const origin = originOf(req.url, details);
  const exchange = startExchange(options, details);
  const fail = (error: unknown) => failure(error, exchange, origin, options, details);
  try {
    if (req.url.startsWith(BUILTIN_PROTOCOL)) {
      const answer = await callBuiltin(req, exchange.abortSignal());
      const source =
        answer.stream ??
        (async function* () {
          yield Buffer.from(answer.body, 'utf8');
        })();
      return { status: answer.status, headers: answer.headers, body: readBody(source, exchange, fail, options.onBodyEnd) };
    }
    const { request, agent } = await loadUndici();
    const response = await request(req.url, { dispatcher: agent, method: req.method, headers: req.headers, body: req.body, signal: exchange.emitter });
    return {
      status: response.statusCode,
      headers: normalizeHeaders(response.headers),
      body: readBody(response.body as AsyncIterable<Uint8Array>, exchange, fail, options.onBodyEnd),
    };
  } catch (error) {
    exchange.close();
    throw fail(error);
  }
}

export async function sendHttp(req: HttpRequest, options: SendOptions): Promise<HttpResponse> {
  const details: ErrorDetails = { provider: options.context?.provider, model: options.context?.model };
  const origin = originOf(req.url, details);
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const tooLarge = () => new BadGatewayError(`Upstream ${origin} sent a response larger than ${maxBytes} bytes`, details);
  const response = await openHttp(req, options);
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body[Symbol.asyncIterator]().return?.();
    throw tooLarge();
  }
  return { status: response.status, headers: response.headers, body: await readText(response.body, maxBytes, tooLarge) };
}

/** A whole body as text; past maxBytes the rest is cancelled and tooLarge() thrown. */
export async function readText(body: AsyncIterable<Uint8Array>, maxBytes: number, tooLarge: () => Error): Promise<string> {
  const chunks: Uint8Array[] = [];
  let received = 0;
  for await (const chunk of body) {
    received += chunk.byteLength;
    if (received > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, received).toString('utf8');
}

const origins = new BoundedCache<string>();

function originOf(url: string, details: ErrorDetails): string {
  return origins.get(url, () => parseOrigin(url, details));
}

function parseOrigin(url: string, details: ErrorDetails): string {
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
