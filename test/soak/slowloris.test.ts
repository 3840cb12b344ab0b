// Many slow clients (slowloris, bounded and on loopback) cannot exhaust the proxy. 600 raw sockets hold connections
// the slowloris way: a third never send a byte, a third send their headers a byte at a time and never end them, a
// third send whole headers and then the body a byte at a time. Meanwhile ordinary clients (a new connection per
// request, and keep-alive) keep generating images and must stay fast; and the proxy must close every slow socket
// itself once the config's client_header_timeout_seconds / client_request_timeout_seconds have passed, although each
// keeps sending (the limits are absolute, not idle timeouts). With node's and fastify's defaults (60 s for headers,
// no limit for a body) none would be closed within the test.
// The slow sockets live in a child process (helpers/slow-clients.ts), so the latency measured here is the proxy's;
// 600 of them keep the proxy (and that child) well under a 1024 open-files limit.
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { captureStdout, expectNoSecrets } from '../e2e/helpers/proxy-http.js';
import { AUTH_HEADERS, GENERATION_BODY, SECRETS, percentile, request, runInChild, sleep, startSoakProxy, type Answer } from './helpers/soak-proxy.js';
import { SLOW_KINDS, type SlowAttack, type SlowAttackResult, type SlowKind } from './helpers/slow-clients-protocol.js';

const HEADER_TIMEOUT_S = 2;
const REQUEST_TIMEOUT_S = 4;
const PER_KIND = 200;
/** Node checks the limits every quarter of the header timeout (here 500 ms); a busy box adds its share. */
const CLOSE_SLACK_MS = 5_000;

/** The `error.code` of the OpenAI envelope in a raw HTTP answer. */
function errorCode(raw: string): unknown {
  try {
    return (JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as { error?: { code?: unknown } }).error?.code;
  } catch {
    return undefined;
  }
}

interface Timed {
  /** Date.now() when it was sent. */
  sentAt: number;
  ms: number;
  answer?: Answer;
  error?: string;
}

describe('slowloris (soak)', () => {
  it(`${PER_KIND * SLOW_KINDS.length} slow clients neither slow down ordinary requests nor keep their connections`, { timeout: 90_000 }, async () => {
    const proxy = await startSoakProxy({
      generalSettings: `client_header_timeout_seconds: ${HEADER_TIMEOUT_S}, client_request_timeout_seconds: ${REQUEST_TIMEOUT_S}`,
    });
    const stdout = captureStdout(proxy);
    const generate = (agent: http.Agent) =>
      request(proxy.url, agent, { method: 'POST', path: '/v1/images/generations', headers: AUTH_HEADERS, body: GENERATION_BODY });

    // Before the attack: what an ordinary request costs on this box right now (for the report).
    const warm = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const baseline: number[] = [];
    for (let i = 0; i < 30; i++) {
      const started = performance.now();
      expect((await generate(warm)).status).toBe(200);
      baseline.push(performance.now() - started);
    }
    warm.destroy();

    // Ordinary clients for the whole attack: two with a new connection per request, two on keep-alive connections.
    let attacking = true;
    const ordinary: Timed[] = [];
    const clients = [false, false, true, true].map(async (keepAlive) => {
      const agent = new http.Agent({ keepAlive, maxSockets: 1 });
      try {
        while (attacking) {
          const sentAt = Date.now();
          const started = performance.now();
          try {
            const answer = await generate(agent);
            ordinary.push({ sentAt, ms: performance.now() - started, answer });
          } catch (error) {
            ordinary.push({ sentAt, ms: performance.now() - started, error: String(error) });
          }
          await sleep(20);
        }
      } finally {
        agent.destroy();
      }
    });

    const attack = await runInChild<SlowAttack, SlowAttackResult>('./slow-clients.ts', {
      port: Number(new URL(proxy.url).port),
      perKind: PER_KIND,
      trickleMs: 500,
      untilMs: REQUEST_TIMEOUT_S * 1000 + CLOSE_SLACK_MS + 5_000,
      authorization: `Bearer ${SECRETS.master_key}`,
    });
    attacking = false;
    await Promise.all(clients);

    const slow = attack.sockets;
    const stillOpen = slow.filter((one) => one.lifetimeMs === undefined);
    const lifetimes = (kind: SlowKind) => slow.filter((one) => one.kind === kind && one.lifetimeMs !== undefined).map((one) => one.lifetimeMs!);
    const summary = Object.fromEntries(
      SLOW_KINDS.map((kind) => {
        const times = lifetimes(kind).sort((a, b) => a - b);
        const got408 = slow.filter((one) => one.kind === kind && one.statusLine.startsWith('HTTP/1.1 408 ')).length;
        return [
          kind,
          {
            closed: times.length,
            lifetime_min_ms: Math.round(times[0] ?? NaN),
            lifetime_max_ms: Math.round(times.at(-1) ?? NaN),
            answered_408: got408,
          },
        ];
      }),
    );
    // Latency of the ordinary requests sent while the slow sockets were open (all of them are checked for errors).
    const duringAttack = ordinary.filter((one) => one.sentAt >= attack.startedAt && one.sentAt <= attack.endedAt);
    const latencies = duringAttack
      .filter((one) => one.answer?.status === 200)
      .map((one) => one.ms)
      .sort((a, b) => a - b);
    baseline.sort((a, b) => a - b);
    console.info(
      `slowloris: ${slow.length} slow sockets (opened in ${Math.round(attack.openedInMs)} ms), closed by the proxy: ${JSON.stringify(summary)}; ` +
        `still open at the end: ${stillOpen.length}; ordinary requests ${ordinary.length}, during the attack ${duringAttack.length} (${latencies.length} × 200), ` +
        `latency p50 ${percentile(latencies, 0.5).toFixed(1)} ms, p99 ${percentile(latencies, 0.99).toFixed(1)} ms, max ${(latencies.at(-1) ?? NaN).toFixed(1)} ms ` +
        `(before the attack: p50 ${percentile(baseline, 0.5).toFixed(1)} ms, p99 ${percentile(baseline, 0.99).toFixed(1)} ms)`,
    );

    // Every slow socket was closed by the proxy, not before its limit and soon after it, although it kept sending.
    expect(stillOpen.map((one) => one.kind)).toEqual([]);
    const limits: Record<SlowKind, number> = { silent: HEADER_TIMEOUT_S, 'slow-headers': HEADER_TIMEOUT_S, 'slow-body': REQUEST_TIMEOUT_S };
    for (const kind of SLOW_KINDS) {
      for (const ms of lifetimes(kind)) {
        expect(ms, kind).toBeGreaterThanOrEqual(limits[kind] * 1000 - 100);
        expect(ms, kind).toBeLessThan(limits[kind] * 1000 + CLOSE_SLACK_MS);
      }
    }
    // ... with a 408 in the OpenAI envelope (a reset may swallow it when the proxy closes while a byte is on its way).
    for (const kind of SLOW_KINDS) expect(summary[kind]!.answered_408, kind).toBeGreaterThanOrEqual(PER_KIND * 0.9);
    for (const one of slow.filter((answered) => answered.received !== '')) {
      expect(one.statusLine, one.kind).toMatch(/^HTTP\/1\.1 408 /);
      expect(errorCode(one.received), one.received).toBe('request_timeout');
    }

    // Ordinary clients did not notice: every request answered with an image, promptly, all through the attack.
    expect(ordinary.filter((one) => one.answer?.status !== 200).map((one) => one.error ?? `${one.answer?.status} ${one.answer?.body}`)).toEqual([]);
    expect(duringAttack.length).toBeGreaterThanOrEqual(40);
    expect(latencies).toHaveLength(duringAttack.length);
    expect(percentile(latencies, 0.5)).toBeLessThan(250);
    expect(percentile(latencies, 0.99)).toBeLessThan(2_000);

    // The proxy is still itself after the attack, and stops cleanly.
    expect((await generate(new http.Agent({ keepAlive: false }))).status).toBe(200);
    expect(await proxy.stop()).toBe(0);
    expectNoSecrets(
      {
        stdout: stdout(),
        stderr: proxy.stderr(),
        ...Object.fromEntries(slow.filter((one) => one.received !== '').map((one, i) => [`slow socket ${i} (${one.kind})`, one.received])),
        ...Object.fromEntries(
          ordinary.map((one, i) => [
            `ordinary ${i}`,
            one.answer === undefined ? String(one.error) : `${JSON.stringify(one.answer.headers)}\n${one.answer.body}`,
          ]),
        ),
      },
      SECRETS,
    );
  });
});
