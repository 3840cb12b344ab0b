// Two deployments, one of them failing in every way the fault upstream knows (a hang included), the other healthy:
// through the real proxy, at least 99.9% of 2,000 requests succeed. Afterwards no log line, answer or error contains a
// credential, the proxy left no upstream request running, and every socket and timer is gone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets } from '../e2e/helpers/proxy-http.js';
import { quietResources, faultDeployment, settleToBaseline, startFaultProxy, uniqueSecret, type FaultProxy, type TimedReply } from './fault-proxy.js';
import { FAULT_MODES, HEALTHY_B64, startFaultUpstream, type FaultUpstream } from './fault-upstream.js';

const TOTAL = 2_000;
const CONCURRENCY = 32;
/** At least 99.9% must succeed. */
const MIN_SUCCESSES = Math.ceil(TOTAL * 0.999);
/** The faulty deployment's timeout: hangs and trickling bodies end here. */
const FAULTY_TIMEOUT_S = 0.3;
/** The upstreams' keep-alive timeout; the proxy's pool drops an idle connection 2 s before it (undici's threshold). */
const KEEP_ALIVE_MS = 3_000;
const MASTER_KEY = uniqueSecret('master');
const FAULTY_KEY = uniqueSecret('faulty-key');
const HEALTHY_KEY = uniqueSecret('healthy-key');

interface LoadResult {
  successes: number;
  failures: { status: number; text: string }[];
  durationMs: number;
  /** Every answer's deployment and fallbacks headers, by count. */
  answeredBy: Record<string, number>;
  fallbacks: Record<string, number>;
}

/** TOTAL requests from CONCURRENCY clients in parallel; a success is a 200 carrying the healthy upstream's image. */
async function load(proxy: FaultProxy, model: string): Promise<LoadResult> {
  const result: LoadResult = { successes: 0, failures: [], durationMs: 0, answeredBy: {}, fallbacks: {} };
  let next = 0;
  const tally = (counts: Record<string, number>, key: string | null) => {
    counts[String(key)] = (counts[String(key)] ?? 0) + 1;
  };
  const started = performance.now();
  const worker = async () => {
    while (next < TOTAL) {
      next++;
      let reply: TimedReply;
      try {
        reply = await proxy.generate({ model, prompt: 'a lighthouse at dusk' });
      } catch (error) {
        result.failures.push({ status: 0, text: String(error) });
        continue;
      }
      tally(result.answeredBy, reply.headers.get('x-imagegate-model-id'));
      tally(result.fallbacks, reply.headers.get('x-imagegate-attempted-fallbacks'));
      const image = (reply.json as { data?: { b64_json?: string }[] } | undefined)?.data?.[0]?.b64_json;
      if (reply.status === 200 && image === HEALTHY_B64) result.successes++;
      else result.failures.push({ status: reply.status, text: reply.text.slice(0, 300) });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  result.durationMs = Math.round(performance.now() - started);
  return result;
}

function summary(name: string, result: LoadResult, faulty: FaultUpstream, healthy: FaultUpstream): string {
  return JSON.stringify({
    scenario: name,
    requests: TOTAL,
    successes: result.successes,
    failures: result.failures.length,
    failureStatuses: result.failures.map((f) => f.status),
    durationMs: result.durationMs,
    faultyUpstreamRequests: faulty.requests.length,
    faultsByMode: faulty.countsByMode(),
    healthyUpstreamRequests: healthy.requests.length,
    peakUpstreamSockets: { faulty: faulty.peakSockets(), healthy: healthy.peakSockets() },
  });
}

function logLines(proxy: FaultProxy): Record<string, unknown>[] {
  return proxy.logLines().map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function waitFor(condition: () => boolean, withinMs: number): Promise<boolean> {
  const deadline = performance.now() + withinMs;
  while (!condition()) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

let baseline: Record<string, number>;
const upstreams: FaultUpstream[] = [];
const proxies: FaultProxy[] = [];

async function upstream(behaviour: Parameters<typeof startFaultUpstream>[0]): Promise<FaultUpstream> {
  const started = await startFaultUpstream(behaviour, { keepAliveTimeoutMs: KEEP_ALIVE_MS });
  upstreams.push(started);
  return started;
}

async function proxy(config: Parameters<typeof startFaultProxy>[0]): Promise<FaultProxy> {
  const started = await startFaultProxy(config, MASTER_KEY, CONCURRENCY);
  proxies.push(started);
  return started;
}

beforeAll(async () => {
  baseline = await quietResources();
});

afterAll(async () => {
  // Normally already closed by the last test.
  await Promise.all(proxies.map((p) => p.close().catch(() => undefined)));
  await Promise.all(upstreams.map((u) => u.close()));
});

describe(`${TOTAL} requests, one deployment failing in every way, one healthy`, () => {
  it('two model groups with a fallback, no cooldown: every request meets a fault first, and >= 99.9% succeed', { timeout: 120_000 }, async () => {
    const faulty = await upstream(FAULT_MODES);
    const healthy = await upstream('ok');
    const app = await proxy({
      model_list: [
        {
          model_name: 'primary',
          litellm_params: faultDeployment(faulty.url, FAULTY_KEY, FAULTY_TIMEOUT_S) as { model: string },
          model_info: { id: 'faulty' },
        },
        { model_name: 'backup', litellm_params: faultDeployment(healthy.url, HEALTHY_KEY, 10) as { model: string }, model_info: { id: 'healthy' } },
      ],
      // cooldown_time 0: the faulty deployment is never rested, so each of the 2,000 requests goes to it first.
      router_settings: { num_retries: 0, cooldown_time: 0, fallbacks: [{ primary: ['backup'] }] },
    });

    const result = await load(app, 'primary');
    console.info(summary('two groups + fallbacks', result, faulty, healthy));

    expect(result.successes, JSON.stringify(result.failures.slice(0, 5))).toBeGreaterThanOrEqual(MIN_SUCCESSES);
    // Every request tried the faulty deployment first (its fallback header says so) and every fault mode was met about
    // equally often. On a saturated machine a few attempts run out their 0.3 s before the request reaches the upstream
    // at all (a timeout is a fault too), so the upstream may count slightly fewer than TOTAL.
    expect(result.fallbacks['1']).toBe(TOTAL);
    expect(faulty.requests.length).toBeLessThanOrEqual(TOTAL);
    expect(faulty.requests.length).toBeGreaterThanOrEqual(TOTAL * 0.98);
    for (const mode of FAULT_MODES) expect(faulty.countsByMode()[mode], mode).toBeGreaterThanOrEqual(Math.floor((TOTAL * 0.98) / FAULT_MODES.length));
    // Every request then fell back to the healthy deployment, once: no group was tried twice.
    expect(healthy.requests.length).toBeGreaterThanOrEqual(result.successes);
    expect(healthy.requests.length).toBeLessThanOrEqual(TOTAL);
    expect(result.answeredBy['healthy']).toBe(result.successes);
    // One log line per request, each naming the fallback that served it.
    const requests = logLines(app).filter((line) => line['msg'] === 'request');
    expect(requests).toHaveLength(TOTAL);
    expect(requests.filter((line) => line['status'] === 200 && line['deployment_id'] === 'healthy' && line['fallbacks'] === 1)).toHaveLength(
      result.successes,
    );
    // The proxy gave up on every hung and trickling answer: nothing is still running at the faulty upstream.
    expect(await waitFor(() => faulty.unfinished() === 0, 2_000)).toBe(true);
  });

  it('one group of two deployments with retries and cooldowns: >= 99.9% succeed and the faulty one is rested', { timeout: 120_000 }, async () => {
    const faulty = await upstream(FAULT_MODES);
    const healthy = await upstream('ok');
    const app = await proxy({
      model_list: [
        {
          model_name: 'images',
          litellm_params: faultDeployment(faulty.url, FAULTY_KEY, FAULTY_TIMEOUT_S) as { model: string },
          model_info: { id: 'faulty' },
        },
        { model_name: 'images', litellm_params: faultDeployment(healthy.url, HEALTHY_KEY, 10) as { model: string }, model_info: { id: 'healthy' } },
      ],
      router_settings: { num_retries: 1, allowed_fails: 3, cooldown_time: 1 },
    });

    const result = await load(app, 'images');
    console.info(summary('one group, retries + cooldowns', result, faulty, healthy));

    expect(result.successes, JSON.stringify(result.failures.slice(0, 5))).toBeGreaterThanOrEqual(MIN_SUCCESSES);
    // The faulty deployment was tried, and failed in several ways, but cooldowns kept most traffic off it.
    expect(faulty.requests.length).toBeGreaterThan(0);
    expect(Object.keys(faulty.countsByMode()).length).toBeGreaterThan(1);
    expect(faulty.requests.length).toBeLessThan(TOTAL / 4);
    expect(result.answeredBy['healthy']).toBe(result.successes);
    // A request that met the faulty deployment was retried at once on the healthy one, which answered; none needed more.
    // (Under heavy load an attempt may time out before it reaches the faulty upstream, hence at least, not exactly.)
    const requests = logLines(app).filter((line) => line['msg'] === 'request');
    expect(requests).toHaveLength(TOTAL);
    expect(requests.filter((line) => (line['retries'] as number) > 1)).toEqual([]);
    const retried = requests.filter((line) => line['retries'] === 1);
    expect(retried.length).toBeGreaterThanOrEqual(faulty.requests.length);
    expect(retried.length).toBeLessThanOrEqual(faulty.requests.length + TOTAL * 0.02);
    expect(retried.filter((line) => line['status'] === 200 && line['deployment_id'] === 'healthy').length).toBeGreaterThanOrEqual(retried.length - 2);
    expect(healthy.requests.length).toBeGreaterThanOrEqual(result.successes);
    expect(healthy.requests.length).toBeLessThanOrEqual(TOTAL);
    expect(await waitFor(() => faulty.unfinished() === 0, 2_000)).toBe(true);
  });
});

describe('afterwards', () => {
  it('no credential appears in any log line, answer or error', () => {
    const transcript: Record<string, string> = {};
    for (const [index, app] of proxies.entries()) {
      for (const [label, text] of Object.entries(app.transcript())) transcript[`proxy ${index} ${label}`] = text;
    }
    // Both scenarios' answers and log lines were read. (The faulty upstream's echo of its key never reaches the client
    // here: the fallback's answer does. single-fault.test.ts proves that echo is redacted.)
    expect(Object.keys(transcript).filter((label) => / answer \d+$/.test(label)).length).toBe(proxies.length * TOTAL);
    expect(Object.keys(transcript).filter((label) => / log line \d+$/.test(label)).length).toBeGreaterThanOrEqual(proxies.length * TOTAL);
    for (const faulty of [upstreams[0]!, upstreams[2]!]) expect(faulty.requests[0]!.authorization).toBe(`Bearer ${FAULTY_KEY}`);
    for (const healthy of [upstreams[1]!, upstreams[3]!]) expect(healthy.requests[0]!.authorization).toBe(`Bearer ${HEALTHY_KEY}`);
    expectNoSecrets(transcript, { master_key: MASTER_KEY, faulty_api_key: FAULTY_KEY, healthy_api_key: HEALTHY_KEY });
  });

  it('leaves no socket or timer behind: no request still running, pooled connections idle and ending, timers gone', async () => {
    for (const u of upstreams) expect(u.unfinished()).toBe(0);
    for (const p of proxies) {
      await p.close();
      expect(await p.openConnections()).toBe(0);
    }
    // What is still open at the upstreams after app.close() belongs to imagegate's upstream pool (src/http/transport.ts),
    // which nothing can close: no Router or proxy close() reaches it. Every such connection must be idle...
    const open = upstreams.map((u) => u.describeSockets());
    console.info(
      JSON.stringify({
        upstreamSocketsOpenAfterProxyClose: open.map((sockets) => sockets.length),
        neverUsed: open.map((sockets) => sockets.filter((s) => s.requests === 0).length),
      }),
    );
    expect(open.flat().filter((socket) => socket.busy)).toEqual([]);
    // ...and the ones that carried a request end by themselves once the keep-alive expires (KEEP_ALIVE_MS - 2 s at the
    // pool), without the upstreams closing anything. (A connection the pool opened for a request that timed out before it
    // connected carries none; the pool keeps it for its default 30 s, too long to wait for here.)
    await Promise.all(upstreams.map((u) => u.waitForSockets(KEEP_ALIVE_MS + 2_000, (socket) => socket.requests > 0)));
    await Promise.all(upstreams.map((u) => u.close()));
    // Servers, sockets and timers (the transport's per-request timeout timers included) are back to what they were.
    expect(await settleToBaseline(baseline, 2_000)).toEqual({});
  });
});
