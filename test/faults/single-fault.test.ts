// Each upstream fault alone, through the real proxy: the client gets the documented status in OpenAI's error envelope,
// with a message saying what happened, within the deployment's timeout; retryable faults are retried exactly
// num_retries times, waiting what the upstream asked. Nothing the suite saw contains a credential, and nothing
// (sockets, servers, timers) is left behind.
import OpenAI from 'openai';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImagegateError } from '../../src/errors/classes.js';
import { expectEnvelope, expectNoSecrets } from '../e2e/helpers/proxy-http.js';
import { quietResources, faultDeployment, settleToBaseline, startFaultProxy, uniqueSecret, type FaultProxy } from './fault-proxy.js';
import { FAULT_MODES, HEALTHY_B64, startFaultUpstream, type FaultMode, type FaultUpstream } from './fault-upstream.js';

const TIMEOUT_S = 1.5;
const TIMEOUT_MS = TIMEOUT_S * 1000;
/** Scheduling slack on a busy 2-core CI machine; generous, but far below a second timeout. */
const MARGIN_MS = 1_500;
const MASTER_KEY = uniqueSecret('master');

const origin = String.raw`http://127\.0\.0\.1:\d+`;

interface Expected {
  status: number;
  type: string;
  code: string | null;
  message: RegExp;
  /** The Retry-After header the client gets (null: none). */
  retryAfter: string | null;
  /** The fault only ends by the deployment's timeout. */
  timed: boolean;
}

// What the README documents: the provider's status and error for an HTTP error (Retry-After passed on with 429 and
// 503), 502 for an unreachable provider (reset, closed, cut-off body) or a 2xx without an image, 408 for a timeout.
const EXPECTED: Record<(typeof FAULT_MODES)[number], Expected> = {
  'error-500': {
    status: 500,
    type: 'server_error',
    code: 'server_error',
    // The upstream echoed the key it was sent: the message keeps the sentence and redacts the key.
    message: /^OpenAI \(gpt-image-1\) returned HTTP 500: The server had an error while processing your request \(key \[REDACTED\]\)\.$/,
    retryAfter: null,
    timed: false,
  },
  'unavailable-503': {
    status: 503,
    type: 'server_error',
    code: 'engine_overloaded',
    message: /^OpenAI \(gpt-image-1\) returned HTTP 503: The engine is currently overloaded, please try again later\.$/,
    retryAfter: '1',
    timed: false,
  },
  'rate-limit-429': {
    status: 429,
    type: 'requests',
    code: 'rate_limit_exceeded',
    message: /^OpenAI \(gpt-image-1\) returned HTTP 429: Rate limit reached for images per minute\. Please try again in 1s\.$/,
    retryAfter: '1',
    timed: false,
  },
  'rate-limit-429-ms': {
    status: 429,
    type: 'requests',
    code: 'rate_limit_exceeded',
    message: /^OpenAI \(gpt-image-1\) returned HTTP 429: Rate limit reached for images per minute\. Please try again in 200ms\.$/,
    retryAfter: '1',
    timed: false,
  },
  reset: {
    status: 502,
    type: 'api_connection_error',
    code: null,
    message: new RegExp(`^Connection error to ${origin} \\((ECONNRESET|UND_ERR_SOCKET)\\)$`),
    retryAfter: null,
    timed: false,
  },
  close: {
    status: 502,
    type: 'api_connection_error',
    code: null,
    message: new RegExp(`^Connection error to ${origin} \\((UND_ERR_SOCKET|ECONNRESET)\\)$`),
    retryAfter: null,
    timed: false,
  },
  hang: {
    status: 408,
    type: 'timeout_error',
    code: null,
    message: new RegExp(`^Request to ${origin} timed out after ${TIMEOUT_S} s$`),
    retryAfter: null,
    timed: true,
  },
  'slow-body': {
    status: 408,
    type: 'timeout_error',
    code: null,
    message: new RegExp(`^Request to ${origin} timed out after ${TIMEOUT_S} s$`),
    retryAfter: null,
    timed: true,
  },
  'truncated-body': {
    status: 502,
    type: 'api_connection_error',
    code: null,
    message: new RegExp(`^Connection error to ${origin} \\((UND_ERR_SOCKET|ECONNRESET)\\)$`),
    retryAfter: null,
    timed: false,
  },
  'invalid-json': {
    status: 502,
    type: 'api_error',
    code: 'bad_upstream_response',
    message: /^OpenAI \(gpt-image-1\) answered HTTP 200 with a body that is not JSON$/,
    retryAfter: null,
    timed: false,
  },
  'error-body-200': {
    status: 502,
    type: 'api_error',
    code: 'bad_upstream_response',
    message: /^OpenAI \(gpt-image-1\) returned no image: Your request could not be completed for key \[REDACTED\]\.$/,
    retryAfter: null,
    timed: false,
  },
  'empty-data-200': {
    status: 502,
    type: 'api_error',
    code: 'bad_upstream_response',
    message: /^OpenAI \(gpt-image-1\) returned no image$/,
    retryAfter: null,
    timed: false,
  },
};

/** One proxy; one model group per fault mode (plus a healthy `ok` group), each deployment on its own upstream and key. */
interface Scenario {
  proxy: FaultProxy;
  upstreams: Map<FaultMode, FaultUpstream>;
  keys: Map<FaultMode, string>;
}

async function startScenario(numRetries: number): Promise<Scenario> {
  const upstreams = new Map<FaultMode, FaultUpstream>();
  const keys = new Map<FaultMode, string>();
  for (const mode of ['ok', ...FAULT_MODES] as const) {
    upstreams.set(mode, await startFaultUpstream(mode));
    keys.set(mode, uniqueSecret(`key-${numRetries}-${mode}`));
  }
  const proxy = await startFaultProxy(
    {
      model_list: [...upstreams].map(([mode, upstream]) => ({
        model_name: mode,
        litellm_params: faultDeployment(upstream.url, keys.get(mode)!, TIMEOUT_S) as { model: string },
        model_info: { id: `deployment-${mode}` },
      })),
      router_settings: { num_retries: numRetries },
    },
    MASTER_KEY,
  );
  return { proxy, upstreams, keys };
}

async function waitFor(condition: () => boolean, withinMs: number): Promise<boolean> {
  const deadline = performance.now() + withinMs;
  while (!condition()) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

function prefixed(prefix: string, texts: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(texts).map(([label, text]) => [`${prefix}: ${label}`, text]));
}

let baseline: Record<string, number>;
let once: Scenario;
let retried: Scenario;

beforeAll(async () => {
  baseline = await quietResources();
  once = await startScenario(0);
  retried = await startScenario(2);
});

afterAll(async () => {
  // Normally already closed by the last test; closing twice is harmless.
  for (const scenario of [once, retried]) {
    await scenario?.proxy.close().catch(() => undefined);
    await Promise.all([...(scenario?.upstreams.values() ?? [])].map((upstream) => upstream.close()));
  }
});

describe('one fault, no retries', () => {
  it('a healthy upstream answers 200 with its image (the control case)', async () => {
    const reply = await once.proxy.generate({ model: 'ok', prompt: 'an otter' });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.json).toEqual({ created: 1700000000, data: [{ b64_json: HEALTHY_B64 }] });
    expect(reply.headers.get('x-imagegate-model-id')).toBe('deployment-ok');
    expect(once.upstreams.get('ok')!.requests).toHaveLength(1);
  });

  it.each(FAULT_MODES)('%s: the documented status and a clear message, within the timeout', async (mode) => {
    const expected = EXPECTED[mode];
    const upstream = once.upstreams.get(mode)!;
    const reply = await once.proxy.generate({ model: mode, prompt: 'an otter' });

    const error = expectEnvelope(reply, expected.status, { type: expected.type, code: expected.code, param: null });
    expect(error.message).toMatch(expected.message);
    expect(reply.headers.get('retry-after')).toBe(expected.retryAfter);
    expect(reply.headers.get('x-imagegate-model-id')).toBe(`deployment-${mode}`);
    expect(reply.headers.get('x-imagegate-provider')).toBe('openai');
    expect(reply.headers.get('x-imagegate-attempted-retries')).toBe('0');
    expect(reply.headers.get('x-imagegate-attempted-fallbacks')).toBe('0');
    expect(reply.headers.get('x-imagegate-call-id')).toEqual(expect.any(String));

    if (expected.timed) {
      // It waited the deployment's timeout (not the 600 s default), and not much longer.
      expect(reply.elapsedMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
      expect(reply.elapsedMs).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    } else {
      // Answered as soon as the fault happened, never by running out the timeout.
      expect(reply.elapsedMs).toBeLessThan(TIMEOUT_MS);
    }
    expect(upstream.requests.map((r) => r.mode)).toEqual([mode]);
    expect(upstream.requests[0]!.path).toBe('/v1/images/generations');
    expect(upstream.requests[0]!.authorization).toBe(`Bearer ${once.keys.get(mode)}`);
    // The proxy gave up on the hung or trickling answer: the upstream sees the request end.
    expect(await waitFor(() => upstream.unfinished() === 0, 1_000)).toBe(true);

    const log = once.proxy
      .logLines()
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line['call_id'] === reply.headers.get('x-imagegate-call-id'));
    expect(log).toMatchObject({
      msg: 'request',
      status: expected.status,
      model_group: mode,
      deployment_id: `deployment-${mode}`,
      provider: 'openai',
      retries: 0,
      fallbacks: 0,
      error: { type: expected.type, code: expected.code, message: error.message },
    });
  });

  it('the official openai client (maxRetries 0) throws its own error classes with the same status and message', async () => {
    const client = new OpenAI({ baseURL: `${once.proxy.url}/v1`, apiKey: MASTER_KEY, maxRetries: 0, timeout: 20_000 });
    type ErrorClass = abstract new (...args: never[]) => InstanceType<typeof OpenAI.APIError>;
    const cases: [FaultMode, ErrorClass][] = [
      ['error-500', OpenAI.InternalServerError],
      ['rate-limit-429', OpenAI.RateLimitError],
      ['reset', OpenAI.InternalServerError],
      ['hang', OpenAI.APIError],
      ['empty-data-200', OpenAI.InternalServerError],
    ];
    for (const [mode, ErrorClass] of cases) {
      const expected = EXPECTED[mode as (typeof FAULT_MODES)[number]];
      const thrown = await client.images.generate({ model: mode, prompt: 'an otter' }).then(
        () => undefined,
        (error: unknown) => error,
      );
      once.proxy.record(`openai client ${mode}`, inspect(thrown, { depth: 6 }));
      expect(thrown, mode).toBeInstanceOf(ErrorClass);
      const apiError = thrown as InstanceType<typeof OpenAI.APIError>;
      expect(apiError.status, mode).toBe(expected.status);
      expect(apiError.code ?? null, mode).toBe(expected.code);
      expect(apiError.error, mode).toMatchObject({ message: expect.stringMatching(expected.message) });
    }
  });
});

describe('one fault, num_retries 2', () => {
  it('every fault is retried exactly twice on its deployment, honouring Retry-After and retry-after-ms', async () => {
    // All at once: each group has its own deployment and upstream, so the counts cannot mix.
    const replies = await Promise.all(FAULT_MODES.map((mode) => retried.proxy.generate({ model: mode, prompt: 'an otter' })));
    for (const [index, mode] of FAULT_MODES.entries()) {
      const expected = EXPECTED[mode];
      const reply = replies[index]!;
      const error = expectEnvelope(reply, expected.status, { type: expected.type, code: expected.code });
      expect(error.message, mode).toMatch(expected.message);
      expect(reply.headers.get('x-imagegate-attempted-retries'), mode).toBe('2');
      // 1 + num_retries upstream requests, every one answered with the fault.
      expect(
        retried.upstreams.get(mode)!.requests.map((r) => r.mode),
        mode,
      ).toEqual([mode, mode, mode]);
      const attempts = expected.timed ? 3 * TIMEOUT_MS : 0;
      const waits: Partial<Record<FaultMode, [number, number]>> = {
        // Retry-After: 1, twice.
        'rate-limit-429': [2_000, 2_000],
        'unavailable-503': [2_000, 2_000],
        // retry-after-ms: 200 wins over Retry-After: 1.
        'rate-limit-429-ms': [400, 400],
      };
      // Otherwise exponential backoff with jitter: 0.5 s then 1 s, each shortened by up to a quarter.
      const [least, most] = waits[mode] ?? [1_125, 1_500];
      expect(reply.elapsedMs, mode).toBeGreaterThanOrEqual(attempts + least - 20);
      expect(reply.elapsedMs, mode).toBeLessThan(attempts + most + MARGIN_MS);
    }
  });
});

describe('the client gives up', () => {
  it('while the upstream hangs or the router waits out Retry-After: the upstream call ends at once and nothing is retried', async () => {
    const hang = retried.upstreams.get('hang')!;
    const limited = retried.upstreams.get('rate-limit-429')!;
    const before = { hang: hang.requests.length, limited: limited.requests.length };
    const started = performance.now();
    // 300 ms in: the hang is in its first attempt, the 429 in the router's 1 s Retry-After wait before its retry.
    const outcomes = await Promise.all(
      (['hang', 'rate-limit-429'] as const).map((mode) =>
        retried.proxy.generate({ model: mode, prompt: 'an otter' }, AbortSignal.timeout(300)).then(
          () => 'answered',
          (error: unknown) => (error as Error).name,
        ),
      ),
    );
    expect(outcomes).toEqual(['TimeoutError', 'TimeoutError']);
    // The proxy cancelled the hung upstream request as soon as its client left, long before the 1.5 s timeout.
    expect(await waitFor(() => hang.unfinished() === 0, 500)).toBe(true);
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS);
    // Past the timeout and the Retry-After: neither deployment was called again for a client that is gone.
    await new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS + 500));
    expect(hang.requests.length - before.hang).toBe(1);
    expect(limited.requests.length - before.limited).toBe(1);
    // Counted once each, with nginx's 499 for a client that closed the request, and logged once each with it.
    const metrics = await retried.proxy.get('/metrics');
    for (const mode of ['hang', 'rate-limit-429']) {
      expect(metrics).toMatch(new RegExp(`^imagegate_requests_total\\{[^}]*model_group="${mode}"[^}]*status="499"\\} 1$`, 'm'));
    }
    const closed = retried.proxy
      .logLines()
      .map((line) => JSON.parse(line) as { msg?: string; status?: number; path?: string })
      .filter((line) => line.msg === 'request' && line.status === 499);
    expect(closed).toHaveLength(2);
  });
});

describe('afterwards', () => {
  it('no credential appears in any log line, answer or error; the upstreams did receive and echo them', async () => {
    // The Router's own errors too (what an SDK embedder would log), as util.inspect shows them: cause and headers included.
    await Promise.all(
      FAULT_MODES.map(async (mode) => {
        const error = (await once.proxy.router.imageGeneration({ model: mode, prompt: 'an otter' }).then(
          () => undefined,
          (thrown: unknown) => thrown,
        )) as ImagegateError | undefined;
        expect(error, mode).toBeDefined();
        once.proxy.record(`router error ${mode}`, `${error!.message}\n${JSON.stringify(error)}\n${inspect(error, { depth: 8 })}`);
      }),
    );
    const transcript = { ...prefixed('no retries', once.proxy.transcript()), ...prefixed('retries', retried.proxy.transcript()) };
    const secrets: Record<string, string> = { master_key: MASTER_KEY };
    for (const [name, scenario] of Object.entries({ once, retried })) {
      for (const [mode, key] of scenario.keys) {
        secrets[`${name} api_key ${mode}`] = key;
        // Not vacuous: every upstream that was called got its key.
        for (const request of scenario.upstreams.get(mode)!.requests) expect(request.authorization).toBe(`Bearer ${key}`);
      }
    }
    // Every answer and its log line, the openai client's errors and the Router's: nothing was left out of the scan.
    // The control, one per fault without and with retries, and /metrics; the two requests whose client gave up.
    const answers = FAULT_MODES.length * 2 + 2;
    expect(Object.keys(transcript).filter((label) => /: answer \d+$/.test(label)).length).toBe(answers);
    expect(Object.keys(transcript).filter((label) => /: client error \d+$/.test(label)).length).toBe(2);
    expect(Object.keys(transcript).filter((label) => /: openai client /.test(label)).length).toBe(5);
    expect(Object.keys(transcript).filter((label) => /: log line \d+$/.test(label)).length).toBeGreaterThanOrEqual(answers + 5);
    expect(Object.keys(transcript).filter((label) => /: router error /.test(label)).length).toBe(FAULT_MODES.length);
    // The echoed keys reached the proxy and came out redacted.
    expect(Object.values(transcript).filter((text) => text.includes('[REDACTED]')).length).toBeGreaterThan(0);
    expectNoSecrets(transcript, secrets);
  });

  it('leaves no socket, server or timer behind once the proxy and upstreams are closed', async () => {
    for (const scenario of [once, retried]) {
      // No request the proxy started is still running at any upstream.
      for (const [mode, upstream] of scenario.upstreams) expect(await waitFor(() => upstream.unfinished() === 0, 1_000), mode).toBe(true);
      await scenario.proxy.close();
      expect(await scenario.proxy.openConnections()).toBe(0);
    }
    // The proxy's upstream connections are idle keep-alive sockets of imagegate's shared pool, which has no close():
    // they end when the upstream closes them (here, when it stops).
    for (const scenario of [once, retried]) await Promise.all([...scenario.upstreams.values()].map((upstream) => upstream.close()));
    for (const scenario of [once, retried]) for (const upstream of scenario.upstreams.values()) expect(upstream.openSockets()).toBe(0);
    expect(await settleToBaseline(baseline, 2_000)).toEqual({});
  });
});
