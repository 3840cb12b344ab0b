// Answers and timing helpers shared by the built-in upstreams.
import type { HttpResponse } from '../http/transport.js';

export const json = (status: number, body: unknown): HttpResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** An OpenAI-shaped error answer. */
export const fail = (status: number, message: string, param: string | null, code: string): HttpResponse =>
  json(status, { error: { message, type: status >= 500 ? 'server_error' : 'invalid_request_error', param, code } });

/** Thrown while reading or checking a request: the handler answers with `response`. */
export class Refusal extends Error {
  readonly response: HttpResponse;
  constructor(status: number, message: string, param: string | null, code: string) {
    super(message);
    this.response = fail(status, message, param, code);
  }
}

/** Waits `ms`, or rejects with the signal's reason as soon as it fires. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** A header's value, whatever the case of its name. */
export function headerOf(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}
