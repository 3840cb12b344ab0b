import { describe, expect, it, vi } from 'vitest';
import {
  APIConnectionError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ImagegateError,
  InternalServerError,
  NotFoundError,
  RateLimitError,
  ServiceUnavailableError,
  TimeoutError,
} from '../../../src/errors/classes.js';
import { isRetryable, retryDelayMs, withRetries } from '../../../src/http/retry.js';

function recordingSleep(): { delays: number[]; sleep: (ms: number) => Promise<void> } {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => void delays.push(ms) };
}

function failingThen<T>(errors: unknown[], value: T): { calls: number[]; attempt: (i: number) => Promise<T> } {
  const calls: number[] = [];
  return {
    calls,
    attempt: async (index: number) => {
      calls.push(index);
      const error = errors[index];
      if (error !== undefined) throw error;
      return value;
    },
  };
}

describe('isRetryable', () => {
  it.each([
    ['429', new RateLimitError('slow down')],
    ['500', new InternalServerError('boom')],
    ['503', new ServiceUnavailableError('down')],
    ['408', new TimeoutError('late')],
    ['409', new ConflictError('conflict')],
    ['502 via status', new ImagegateError('bad gateway', { status: 502 })],
    ['connection', new APIConnectionError('refused')],
  ])('retries %s', (_name, error) => {
    expect(isRetryable(error)).toBe(true);
  });

  it.each([
    ['400', new BadRequestError('bad')],
    ['401', new AuthenticationError('who')],
    ['404', new NotFoundError('gone')],
    ['abort', new APIUserAbortError('stop')],
    ['status-less', new ImagegateError('odd')],
    ['plain Error', new Error('boom')],
    ['string', 'boom'],
  ])('does not retry %s', (_name, error) => {
    expect(isRetryable(error)).toBe(false);
  });
});

describe('retryDelayMs', () => {
  it('honours retry-after-ms', () => {
    expect(retryDelayMs(0, { 'retry-after-ms': '1234' }, () => 0.9)).toBe(1234);
  });

  it('prefers retry-after-ms over retry-after', () => {
    expect(retryDelayMs(0, { 'retry-after-ms': '250', 'retry-after': '5' })).toBe(250);
  });

  it('honours retry-after in (fractional) seconds', () => {
    expect(retryDelayMs(3, { 'retry-after': '2' })).toBe(2000);
    expect(retryDelayMs(3, { 'retry-after': '1.5' })).toBe(1500);
  });

  it('honours retry-after as an HTTP date', () => {
    const date = new Date(Date.now() + 10_000).toUTCString();
    const delay = retryDelayMs(0, { 'retry-after': date });
    expect(delay).toBeGreaterThan(8_000);
    expect(delay).toBeLessThanOrEqual(10_000);
  });

  it('finds retry headers regardless of case', () => {
    expect(retryDelayMs(0, { 'Retry-After': '3' })).toBe(3000);
  });

  it('ignores hints that are zero, negative, past, over 60 s or garbage', () => {
    const backoff = 500 * (1 - 0.25 * 0.5);
    const random = () => 0.5;
    expect(retryDelayMs(0, { 'retry-after-ms': '0' }, random)).toBe(backoff);
    expect(retryDelayMs(0, { 'retry-after': '-3' }, random)).toBe(backoff);
    expect(retryDelayMs(0, { 'retry-after': '61' }, random)).toBe(backoff);
    expect(retryDelayMs(0, { 'retry-after': new Date(Date.now() - 5000).toUTCString() }, random)).toBe(backoff);
    expect(retryDelayMs(0, { 'retry-after': 'soon' }, random)).toBe(backoff);
    expect(retryDelayMs(0, {}, random)).toBe(backoff);
    expect(retryDelayMs(0, undefined, random)).toBe(backoff);
  });

  it('accepts exactly 60 s', () => {
    expect(retryDelayMs(0, { 'retry-after': '60' })).toBe(60_000);
  });

  it('backs off exponentially from 0.5 s, capped at 8 s', () => {
    const noJitter = () => 0;
    expect([0, 1, 2, 3, 4, 5, 10].map((i) => retryDelayMs(i, undefined, noJitter))).toEqual([
      500, 1000, 2000, 4000, 8000, 8000, 8000,
    ]);
  });

  it('applies up to 25 % jitter', () => {
    expect(retryDelayMs(1, undefined, () => 1)).toBe(750);
    expect(retryDelayMs(2, undefined, () => 0.2)).toBe(1900);
    for (let i = 0; i < 50; i++) {
      const delay = retryDelayMs(0, undefined);
      expect(delay).toBeGreaterThan(375);
      expect(delay).toBeLessThanOrEqual(500);
    }
  });
});

describe('withRetries', () => {
  it('returns immediately when the first attempt succeeds', async () => {
    const { delays, sleep } = recordingSleep();
    const { calls, attempt } = failingThen([], 'ok');
    await expect(withRetries(attempt, { numRetries: 3, sleep })).resolves.toBe('ok');
    expect(calls).toEqual([0]);
    expect(delays).toEqual([]);
  });

  it('retries retryable failures until success, passing the attempt index', async () => {
    const { delays, sleep } = recordingSleep();
    const { calls, attempt } = failingThen(
      [
        new RateLimitError('429'),
        new InternalServerError('500'),
        new ServiceUnavailableError('503'),
        new TimeoutError('408'),
        new ConflictError('409'),
        new APIConnectionError('refused'),
      ],
      'done',
    );
    await expect(withRetries(attempt, { numRetries: 6, sleep, random: () => 0 })).resolves.toBe('done');
    expect(calls).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 8000]);
  });

  it.each([
    ['400', new BadRequestError('bad')],
    ['401', new AuthenticationError('no')],
    ['abort', new APIUserAbortError('stop')],
    ['plain Error', new TypeError('bug')],
  ])('does not retry %s', async (_name, error) => {
    const { delays, sleep } = recordingSleep();
    const { calls, attempt } = failingThen([error], 'never');
    await expect(withRetries(attempt, { numRetries: 5, sleep })).rejects.toBe(error);
    expect(calls).toEqual([0]);
    expect(delays).toEqual([]);
  });

  it('uses the error headers for the delay', async () => {
    const { delays, sleep } = recordingSleep();
    const date = new Date(Date.now() + 20_000).toUTCString();
    const { attempt } = failingThen(
      [
        new RateLimitError('a', { headers: { 'retry-after-ms': '150' } }),
        new RateLimitError('b', { headers: { 'retry-after': '2.5' } }),
        new ServiceUnavailableError('c', { headers: { 'retry-after': date } }),
      ],
      'ok',
    );
    await withRetries(attempt, { numRetries: 3, sleep });
    expect(delays.slice(0, 2)).toEqual([150, 2500]);
    expect(delays[2]).toBeGreaterThan(18_000);
    expect(delays[2]).toBeLessThanOrEqual(20_000);
  });

  it('gives up after numRetries and rethrows the last error', async () => {
    const { delays, sleep } = recordingSleep();
    const errors = [new InternalServerError('first'), new InternalServerError('second'), new InternalServerError('third')];
    const { calls, attempt } = failingThen(errors, 'never');
    const onRetry = vi.fn();
    await expect(withRetries(attempt, { numRetries: 2, sleep, random: () => 0, onRetry })).rejects.toBe(errors[2]);
    expect(calls).toEqual([0, 1, 2]);
    expect(delays).toEqual([500, 1000]);
    expect(onRetry.mock.calls.map(([info]) => info)).toEqual([
      { attempt: 1, delayMs: 500, error: errors[0] },
      { attempt: 2, delayMs: 1000, error: errors[1] },
    ]);
  });

  it('makes a single attempt when numRetries is 0', async () => {
    const error = new RateLimitError('once');
    const { calls, attempt } = failingThen([error], 'never');
    await expect(withRetries(attempt, { numRetries: 0, sleep: async () => {} })).rejects.toBe(error);
    expect(calls).toEqual([0]);
  });

  it('does not start an attempt when the signal is already aborted', async () => {
    const { calls, attempt } = failingThen([], 'never');
    await expect(withRetries(attempt, { numRetries: 2, signal: AbortSignal.abort() })).rejects.toBeInstanceOf(APIUserAbortError);
    expect(calls).toEqual([]);
  });

  it('checks the signal again before each retry', async () => {
    const controller = new AbortController();
    const { calls, attempt } = failingThen([new RateLimitError('x'), new RateLimitError('y')], 'never');
    const sleep = async () => controller.abort();
    await expect(withRetries(attempt, { numRetries: 3, signal: controller.signal, sleep })).rejects.toBeInstanceOf(
      APIUserAbortError,
    );
    expect(calls).toEqual([0]);
  });

  it('aborts the default sleep with APIUserAbortError', async () => {
    const controller = new AbortController();
    const { calls, attempt } = failingThen([new RateLimitError('x', { headers: { 'retry-after': '30' } })], 'never');
    setTimeout(() => controller.abort(), 30);
    const started = Date.now();
    const error = await withRetries(attempt, { numRetries: 3, signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIUserAbortError);
    expect((error as Error).message).toBe('Request was aborted by the caller');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(calls).toEqual([0]);
  });

  it('really waits with the default sleep', async () => {
    const { calls, attempt } = failingThen([new RateLimitError('x', { headers: { 'retry-after-ms': '120' } })], 'ok');
    const started = Date.now();
    await expect(withRetries(attempt, { numRetries: 1 })).resolves.toBe('ok');
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
    expect(calls).toEqual([0, 1]);
  });
});
