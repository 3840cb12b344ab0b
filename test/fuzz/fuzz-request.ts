// One fuzzed request, how it is sent (undici for well-formed HTTP, a bare socket for the rest), and what came back.
import { toStringMethod } from 'fast-check';
import { Agent, request as undiciRequest } from 'undici';
import { preview } from './json-text.js';
import { rawExchange } from './raw-http.js';

export type Category = 'json-generation' | 'json-edit' | 'multipart-edit' | 'content-type' | 'auth' | 'raw-socket' | 'other-routes';

/** What the request alone decides about its answer (checked on top of the general rules). */
export interface Expected {
  status: number;
  code?: string;
}

interface Common {
  category: Category;
  /** What kind of hostility this is, for failure reports and the tally. */
  label: string;
  /** A POST to an image route: a 2xx must be an image answer (JSON ImagesResponse or an event stream). */
  imageRoute: boolean;
  /** A HEAD request: the answer has headers only. */
  head?: boolean;
  expect?: Expected;
}

export interface HttpFuzzRequest extends Common {
  via: 'http';
  method: string;
  /** Path and query, already valid as a request target. */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

export interface RawFuzzRequest extends Common {
  via: 'raw';
  chunks: Buffer[];
  endWrite: boolean;
  /**
   * Outcomes other than a complete response that are right for this request, always with nothing received:
   * 'closed' when the server may drop a request it cannot read, 'timeout' when it may wait for bytes that never come.
   */
  allow: ('closed' | 'timeout')[];
  timeoutMs: number;
  /** The client leaves this long after sending (its answer, if any came by then, is still checked). */
  abandonAfterMs?: number;
}

export type FuzzRequest = HttpFuzzRequest | RawFuzzRequest;

export type Answer =
  | { kind: 'response'; status: number; headers: Record<string, string[]>; body: Buffer; ms: number }
  | { kind: 'closed' | 'timeout' | 'abandoned'; received: Buffer; ms: number }
  | { kind: 'client-error'; error: string; ms: number };

/** Bounds every well-formed request: far above any honest answer, far below the test timeout. */
export const ANSWER_TIMEOUT_MS = 20_000;

export function describeRequest(request: FuzzRequest): string {
  if (request.via === 'http') {
    const body = request.body === undefined ? '' : ` body=${preview(request.body, 200)}`;
    return `[${request.category}: ${request.label}] ${request.method} ${preview(Buffer.from(request.path), 120)} headers=${JSON.stringify(request.headers).slice(0, 300)}${body}`;
  }
  return `[${request.category}: ${request.label}] raw=${preview(Buffer.concat(request.chunks), 400)} endWrite=${request.endWrite}`;
}

/** fast-check prints counterexamples with this instead of dumping megabytes of Buffer. */
export function printable<T extends FuzzRequest>(request: T): T {
  return Object.assign(request, { [toStringMethod]: () => describeRequest(request) });
}

function headerLists(headers: Record<string, string | string[] | undefined>): Record<string, string[]> {
  const lists: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) lists[name.toLowerCase()] = Array.isArray(value) ? value : [value];
  }
  return lists;
}

export function createSender(host: string, port: number): { send(request: FuzzRequest): Promise<Answer>; close(): Promise<void> } {
  const dispatcher = new Agent({ connections: 16, headersTimeout: ANSWER_TIMEOUT_MS, bodyTimeout: ANSWER_TIMEOUT_MS, keepAliveTimeout: 4000 });
  const origin = `http://${host}:${port}`;
  return {
    async send(request) {
      const started = performance.now();
      const ms = () => Math.round(performance.now() - started);
      if (request.via === 'raw') {
        const outcome = await rawExchange({
          host,
          port,
          chunks: request.chunks,
          endWrite: request.endWrite,
          timeoutMs: request.timeoutMs,
          head: request.head === true,
          abandonAfterMs: request.abandonAfterMs,
        });
        return outcome.kind === 'response' ? { ...outcome, ms: ms() } : { ...outcome, ms: ms() };
      }
      try {
        const response = await undiciRequest(`${origin}${request.path}`, {
          method: request.method,
          headers: request.headers,
          body: request.body,
          dispatcher,
        });
        const body = Buffer.from(await response.body.arrayBuffer());
        return { kind: 'response', status: response.statusCode, headers: headerLists(response.headers), body, ms: ms() };
      } catch (error) {
        return { kind: 'client-error', error: String((error as Error)?.message ?? error), ms: ms() };
      }
    },
    close: () => dispatcher.close(),
  };
}
