// The fault upstream does on the wire what each mode says, seen by a plain HTTP client with no imagegate in between:
// the proxy tests rest on these faults really happening.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { FAULT_MODES, HEALTHY_B64, startFaultUpstream, type FaultUpstream } from './fault-upstream.js';

let upstream: FaultUpstream;
let agent: Agent;

beforeAll(async () => {
  upstream = await startFaultUpstream('ok', { trickleMs: 50 });
  agent = new Agent();
});

afterAll(async () => {
  await agent.close();
  await upstream.close();
});

interface Seen {
  status?: number;
  headers?: Record<string, string | string[] | undefined>;
  body?: string;
  /** Bytes of the body received before it failed or ended. */
  received: number;
  error?: string;
  /** When the headers and the end (or failure) came, in ms after sending. */
  headersAt?: number;
  endedAt: number;
}

async function call(readForMs = 2_000): Promise<Seen> {
  const started = performance.now();
  const seen: Seen = { received: 0, endedAt: 0 };
  const signal = AbortSignal.timeout(readForMs);
  try {
    const response = await request(`${upstream.url}/v1/images/generations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer wire-test-key' },
      body: '{"model":"gpt-image-1","prompt":"x"}',
      dispatcher: agent,
      signal,
    });
    seen.status = response.statusCode;
    seen.headers = response.headers;
    seen.headersAt = performance.now() - started;
    const chunks: Buffer[] = [];
    for await (const chunk of response.body) {
      chunks.push(chunk as Buffer);
      seen.received += (chunk as Buffer).byteLength;
    }
    seen.body = Buffer.concat(chunks).toString('utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    seen.error = typeof code === 'string' ? code : (error as Error).name;
  }
  seen.endedAt = performance.now() - started;
  return seen;
}

describe('fault upstream, on the wire', () => {
  it('ok: the OpenAI images answer', async () => {
    upstream.behave('ok');
    const seen = await call();
    expect(seen.status).toBe(200);
    expect(JSON.parse(seen.body!)).toEqual({ created: 1700000000, data: [{ b64_json: HEALTHY_B64 }] });
  });

  it('HTTP errors carry OpenAI error JSON and their retry headers; 500 and the 200 error body echo the credential', async () => {
    const expected = {
      'error-500': [500, undefined, undefined],
      'unavailable-503': [503, '1', undefined],
      'rate-limit-429': [429, '1', undefined],
      'rate-limit-429-ms': [429, '1', '200'],
      'error-body-200': [200, undefined, undefined],
    } as const;
    for (const [mode, [status, retryAfter, retryAfterMs]] of Object.entries(expected)) {
      upstream.behave(mode as keyof typeof expected);
      const seen = await call();
      expect(seen.status, mode).toBe(status);
      expect(seen.headers!['retry-after'], mode).toBe(retryAfter);
      expect(seen.headers!['retry-after-ms'], mode).toBe(retryAfterMs);
      const body = JSON.parse(seen.body!) as { error: { message: string; type: string } };
      expect(body.error.message, mode).toEqual(expect.any(String));
      if (mode === 'error-500' || mode === 'error-body-200') expect(body.error.message).toContain('wire-test-key');
    }
  });

  it('reset and close end the connection without an answer', async () => {
    upstream.behave('reset');
    expect((await call()).error).toBe('ECONNRESET');
    upstream.behave('close');
    const closed = await call();
    expect(closed.status).toBeUndefined();
    expect(closed.error).toBe('UND_ERR_SOCKET');
  });

  it('hang never answers', async () => {
    upstream.behave('hang');
    const seen = await call(400);
    expect(seen.status).toBeUndefined();
    expect(seen.endedAt).toBeGreaterThanOrEqual(390);
    expect(seen.error).toMatch(/Abort|Timeout/);
  });

  it('slow-body sends 200 and its headers at once, then trickles the body', async () => {
    upstream.behave('slow-body');
    const seen = await call(500);
    expect(seen.status).toBe(200);
    expect(seen.headersAt).toBeLessThan(300);
    const declared = Number(seen.headers!['content-length']);
    // About one byte per 50 ms: far from the whole body when the reader gives up.
    expect(seen.received).toBeGreaterThan(0);
    expect(seen.received).toBeLessThan(20);
    expect(declared).toBeGreaterThan(20 * seen.received);
    expect(seen.error).toMatch(/Abort|Timeout/);
  });

  it('truncated-body declares more bytes than it sends, then closes', async () => {
    upstream.behave('truncated-body');
    const seen = await call();
    expect(seen.status).toBe(200);
    expect(seen.received).toBeGreaterThan(0);
    expect(seen.received).toBeLessThan(Number(seen.headers!['content-length']));
    expect(seen.error).toBe('UND_ERR_SOCKET');
  });

  it('invalid-json and empty-data-200 are 200s that are not image answers', async () => {
    upstream.behave('invalid-json');
    const invalid = await call();
    expect(invalid.status).toBe(200);
    expect(() => JSON.parse(invalid.body!)).toThrow(SyntaxError);
    upstream.behave('empty-data-200');
    const empty = await call();
    expect(empty.status).toBe(200);
    expect(JSON.parse(empty.body!)).toEqual({ created: 1700000000, data: [] });
  });

  it('a cycle of modes is followed request by request, and every request is counted by mode', async () => {
    const before = upstream.requests.length;
    upstream.behave(['ok', 'error-500', 'empty-data-200']);
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await call()).status);
    expect(statuses).toEqual([200, 500, 200, 200, 500, 200]);
    expect(upstream.requests.slice(before).map((r) => r.mode)).toEqual(['ok', 'error-500', 'empty-data-200', 'ok', 'error-500', 'empty-data-200']);
    expect(Object.keys(upstream.countsByMode()).sort()).toEqual(['ok', ...FAULT_MODES].sort());
    expect(await new Promise((resolve) => setTimeout(() => resolve(upstream.unfinished()), 100))).toBe(0);
  });
});
