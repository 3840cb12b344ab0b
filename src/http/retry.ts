import { APIConnectionError, APIUserAbortError, ImagegateError } from '../errors/classes.js';

export interface RetryOptions {
  numRetries: number;
  signal?: AbortSignal;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

const INITIAL_DELAY_MS = 500;
const MAX_BACKOFF_MS = 8_000;
const MAX_RETRY_AFTER_MS = 60_000;

export function isRetryable(error: unknown): boolean {
  if (error instanceof APIUserAbortError) return false;
  if (error instanceof APIConnectionError) return true;
  if (!(error instanceof ImagegateError) || error.status === undefined) return false;
  const status = error.status;
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

export function retryDelayMs(
  retryIndex: number,
  headers: Record<string, string> | undefined,
  random: () => number = Math.random,
): number {
  const hinted = retryAfterMs(headers);
  if (hinted !== undefined && hinted > 0 && hinted <= MAX_RETRY_AFTER_MS) return hinted;
  const backoff = Math.min(INITIAL_DELAY_MS * 2 ** retryIndex, MAX_BACKOFF_MS);
  return backoff * (1 - 0.25 * random());
}

export async function withRetries<T>(
  attempt: (attemptIndex: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const sleep = options.sleep ?? abortableSleep;
  const maxRetries = Math.max(0, Math.floor(options.numRetries));
  for (let attemptIndex = 0; ; attemptIndex++) {
    if (options.signal?.aborted) throw abortError(options.signal);
    try {
      return await attempt(attemptIndex);
    } catch (error) {
      if (attemptIndex >= maxRetries || !isRetryable(error)) throw error;
      const headers = error instanceof ImagegateError ? error.headers : undefined;
      const delayMs = retryDelayMs(attemptIndex, headers, options.random);
      options.onRetry?.({ attempt: attemptIndex + 1, delayMs, error });
      await sleep(delayMs, options.signal);
    }
  }
}

function retryAfterMs(headers: Record<string, string> | undefined): number | undefined {
  if (headers === undefined) return undefined;
  const ms = headerValue(headers, 'retry-after-ms');
  if (ms !== undefined) {
    const value = Number.parseFloat(ms);
    if (Number.isFinite(value)) return value;
  }
  const after = headerValue(headers, 'retry-after');
  if (after === undefined) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(after)) return Number.parseFloat(after) * 1000;
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : date - Date.now();
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  if (headers[name] !== undefined) return headers[name];
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return value;
  }
  return undefined;
}

function abortError(signal: AbortSignal): APIUserAbortError {
  return new APIUserAbortError('Request was aborted by the caller', { cause: signal.reason });
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
