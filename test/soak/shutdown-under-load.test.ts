// SIGTERM while requests are in flight drops none. The built CLI on the mock provider under 48 keep-alive clients
// that each send their next request the moment an answer arrives; SIGTERM comes mid-load. Every request written to
// a connection must get a complete HTTP answer: 200 with an image (it was in flight), or the 503 `shutting_down`
// envelope with Connection: close (it arrived while draining). The only failure allowed is a refused connection
// (ECONNREFUSED: the proxy had stopped listening, so nothing was sent). The proxy's request log must match the
// answers one to one (by x-imagegate-call-id), and it exits 0.
//
// Two loads: generations that take 400 ms (the signal finds every client mid-request), and instant ones (the signal
// finds many keep-alive connections between two requests: the race where a client writes its next request on a
// connection the server is closing; before the drain kept idle connections open for a moment, 1-7 requests per
// run were reset here).
import http from 'node:http';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { ProxyProcess } from '../helpers/proxy-process.js';
import { captureStdout, expectEnvelope, expectNoSecrets } from '../e2e/helpers/proxy-http.js';
import { AUTH_HEADERS, GENERATION_BODY, SECRETS, request, sleep, startSoakProxy, type Answer } from './helpers/soak-proxy.js';

const CLIENTS = 48;
const LOAD_BEFORE_SIGTERM_MS = 2_500;

interface Sent {
  startedAt: number;
  endedAt: number;
  /** The same client's request before this one. */
  previous: Sent | undefined;
  answer?: Answer;
  error?: { code: string; message: string; reusedSocket: boolean; written: boolean };
}

interface Run {
  proxy: ProxyProcess;
  exitCode: number | null;
  signalledAt: number;
  exitedAfterMs: number;
  sent: Sent[];
  output: () => Record<string, string>;
}

/** The proxy under CLIENTS keep-alive clients, SIGTERM after LOAD_BEFORE_SIGTERM_MS; every request's outcome. */
async function sigtermUnderLoad(latencyMs: number): Promise<Run> {
  const proxy = await startSoakProxy({ litellmParams: `mock_latency_ms: ${latencyMs}`, args: ['--grace-period', '10'] });
  const stdout = captureStdout(proxy);
  const sent: Sent[] = [];
  const deadline = performance.now() + 25_000;
  // Each client: one keep-alive connection (an agent with one socket), a new request as soon as the last answer is
  // in, until the proxy refuses the connection (it stopped listening) or a request fails some other way. Their starts
  // are spread over one generation's latency, so whenever the signal comes, the proxy is midway through nearly all.
  const clients = Array.from({ length: CLIENTS }, async (_, client) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    let previous: Sent | undefined;
    await sleep((client * latencyMs) / CLIENTS);
    try {
      while (performance.now() < deadline) {
        const startedAt = performance.now();
        try {
          const answer = await request(proxy.url, agent, {
            method: 'POST',
            path: '/v1/images/generations',
            headers: AUTH_HEADERS,
            body: GENERATION_BODY,
          });
          previous = { startedAt, endedAt: performance.now(), previous: undefined, answer };
          sent.push(previous);
        } catch (caught) {
          const error = caught as NodeJS.ErrnoException & { reusedSocket?: boolean; written?: boolean };
          const detail = {
            code: error.code ?? 'none',
            message: error.message,
            reusedSocket: error.reusedSocket === true,
            written: error.written === true,
          };
          sent.push({ startedAt, endedAt: performance.now(), previous, error: detail });
          break;
        }
      }
    } finally {
      agent.destroy();
    }
  });
  await sleep(LOAD_BEFORE_SIGTERM_MS);
  const signalledAt = performance.now();
  proxy.child.kill('SIGTERM');
  const exitCode = await proxy.exited;
  const exitedAfterMs = performance.now() - signalledAt;
  await Promise.all(clients);
  return { proxy, exitCode, signalledAt, exitedAfterMs, sent, output: () => ({ stdout: stdout(), stderr: proxy.stderr() }) };
}

/** A dropped request with its timing (ms from the signal) and how the client's previous request ended. */
function describeDrop(one: Sent, at: number): Record<string, unknown> {
  const before = one.previous;
  return {
    ...one.error,
    sentMs: Math.round(one.startedAt - at),
    failedMs: Math.round(one.endedAt - at),
    previous:
      before === undefined
        ? 'none'
        : { status: before.answer?.status, connection: before.answer?.headers['connection'], endedMs: Math.round(before.endedAt - at) },
  };
}

/**
 * The assertions both loads share. Client and proxy are matched through x-imagegate-call-id: the proxy's request log
 * says when it began each request (time - duration_ms) relative to its "shutting down" line (written as draining
 * begins), which is the honest line between "in flight" and "arrived while draining" on a busy box.
 */
function expectNothingDropped(run: Run, label: string): { inFlight: number; inFlightAtProxy: number } {
  const at = run.signalledAt;
  const answers = run.sent.filter((one) => one.answer !== undefined) as (Sent & { answer: Answer })[];
  const errors = run.sent.filter((one) => one.error !== undefined);
  const refused = errors.filter((one) => one.error!.code === 'ECONNREFUSED');
  const dropped = errors.filter((one) => one.error!.code !== 'ECONNREFUSED');
  const inFlight = run.sent.filter((one) => one.startedAt < at && one.endedAt > at);
  const logs = run.proxy.logs();
  const drainingAt = Number(logs.find((line) => line['msg'] === 'shutting down: finishing requests in flight')?.['time']);
  const logged = new Map(logs.filter((line) => line['msg'] === 'request').map((line) => [String(line['call_id']), line]));
  const began = (line: Record<string, unknown>) => Number(line['time']) - Number(line['duration_ms']);
  // The log's times are whole milliseconds.
  const beforeDraining = [...logged.values()].filter((line) => began(line) < drainingAt - 2);
  const inFlightAtProxy = beforeDraining.filter((line) => Number(line['time']) > drainingAt).length;
  const byStatus: Record<string, number> = {};
  for (const one of answers) byStatus[one.answer.status] = (byStatus[one.answer.status] ?? 0) + 1;
  console.info(
    `${label}: ${run.sent.length} requests from ${CLIENTS} keep-alive clients, ${inFlight.length} in flight at SIGTERM ` +
      `(${inFlightAtProxy} begun before draining and answered after); answers ${JSON.stringify(byStatus)}; refused connections ${refused.length}; ` +
      `dropped ${dropped.length} ${JSON.stringify(dropped.map((one) => describeDrop(one, at)))}; exit ${run.exitCode} ${Math.round(run.exitedAfterMs)} ms after SIGTERM`,
  );

  expect(run.exitCode).toBe(0);
  expect(Number.isFinite(drainingAt)).toBe(true);
  // Nothing written to a connection went unanswered: no reset, no hang-up, no answer cut short.
  expect(dropped.map((one) => describeDrop(one, at))).toEqual([]);
  // Every client ended on a refused connection: it kept sending until the proxy stopped listening.
  expect(refused).toHaveLength(CLIENTS);
  // The load was on before the signal.
  expect(answers.filter((one) => one.endedAt < at).length).toBeGreaterThanOrEqual(CLIENTS);

  // The proxy's record and the clients' agree one to one: every request it logged reached its client, with that status.
  const answered = new Map(answers.map((one) => [String(one.answer.headers['x-imagegate-call-id']), one.answer]));
  expect(answered.size).toBe(answers.length);
  expect([...logged.keys()].sort()).toEqual([...answered.keys()].sort());
  for (const [callId, answer] of answered) expect(logged.get(callId)?.['status'], callId).toBe(answer.status);
  expect(logs.some((line) => line['msg'] === 'stopped')).toBe(true);

  for (const [callId, answer] of answered) {
    const line = logged.get(callId)!;
    if (began(line) < drainingAt - 2) {
      // Begun before draining: served, with its image.
      expect(answer.status, answer.body).toBe(200);
      const data = (JSON.parse(answer.body) as { data?: { b64_json?: string }[] }).data;
      expect(data?.[0]?.b64_json?.length ?? 0).toBeGreaterThan(100);
    } else if (began(line) > drainingAt + 2) {
      // Arrived while draining: the OpenAI envelope, and the connection closes (the client then reconnects and is refused).
      const headers = new Headers(Object.entries(answer.headers).map(([name, value]) => [name, String(value)]));
      expectEnvelope({ status: answer.status, headers, text: answer.body, json: JSON.parse(answer.body) }, 503, { code: 'shutting_down' });
      expect(answer.headers['connection']).toBe('close');
    } else {
      expect([200, 503]).toContain(answer.status); // the same millisecond as the signal
    }
  }

  // Every log line, and every answer (all kept here: a few thousand bodies under 1 KB).
  expectNoSecrets(
    { ...run.output(), ...Object.fromEntries(answers.map((one, i) => [`answer ${i}`, `${JSON.stringify(one.answer.headers)}\n${one.answer.body}`])) },
    SECRETS,
  );
  return { inFlight: inFlight.length, inFlightAtProxy };
}

describe('shutdown under load (soak)', () => {
  it('answers every request in flight at SIGTERM with its image, and exits 0', { timeout: 60_000 }, async () => {
    const run = await sigtermUnderLoad(400);
    const { inFlight, inFlightAtProxy } = expectNothingDropped(run, 'SIGTERM with 400 ms generations in flight');
    // The signal found (nearly) every client mid-request, and the proxy finished them (with their images) after it.
    expect(inFlight).toBeGreaterThanOrEqual(CLIENTS * 0.75);
    expect(inFlightAtProxy).toBeGreaterThanOrEqual(CLIENTS * 0.75);
  });

  it('answers a request written on an idle keep-alive connection as shutdown begins, never resets it', { timeout: 60_000 }, async () => {
    const run = await sigtermUnderLoad(0);
    expectNothingDropped(run, 'SIGTERM with instant generations (keep-alive connections between requests)');
  });

  it(
    'closes quiet connections after a moment and half-sent requests at the header timeout, not at the end of the grace period',
    { timeout: 60_000 },
    async () => {
      const proxy = await startSoakProxy({ generalSettings: 'client_header_timeout_seconds: 3', args: ['--grace-period', '20'] });
      const stdout = captureStdout(proxy);
      const port = Number(new URL(proxy.url).port);
      // A TCP probe that sends nothing, a client that stops mid-headers, and an idle keep-alive connection after one request.
      const silent = net.connect(port, '127.0.0.1');
      const partial = net.connect(port, '127.0.0.1', () => partial.write('POST /v1/images/generations HTTP/1.1\r\nHost: 127.0.0.1\r\n'));
      let partialReceived = '';
      partial.on('data', (chunk: Buffer) => (partialReceived += chunk.toString('latin1')));
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const first = await request(proxy.url, agent, { method: 'POST', path: '/v1/images/generations', headers: AUTH_HEADERS, body: GENERATION_BODY });
      expect(first.status).toBe(200);
      expect(first.headers['connection']).toBe('keep-alive');
      const keptAlive = (agent.freeSockets[Object.keys(agent.freeSockets)[0]!] ?? [])[0];
      expect(keptAlive).toBeDefined();
      await sleep(200);

      const signalled = performance.now();
      const closedAfter = (socket: net.Socket) =>
        new Promise<number>((resolve) => socket.on('close', () => resolve(performance.now() - signalled)).on('error', () => undefined));
      const closed = Promise.all([silent, keptAlive!, partial].map(closedAfter));
      proxy.child.kill('SIGTERM');
      const exitCode = await proxy.exited;
      const waited = performance.now() - signalled;
      const [silentMs, keptAliveMs, partialMs] = await closed;
      agent.destroy();
      console.info(
        `SIGTERM with quiet connections: silent closed after ${Math.round(silentMs!)} ms, idle keep-alive after ${Math.round(keptAliveMs!)} ms, ` +
          `half-sent headers after ${Math.round(partialMs!)} ms (${partialReceived.split('\r\n')[0]}); exit ${exitCode} after ${Math.round(waited)} ms (grace period 20 s)`,
      );
      expect(exitCode).toBe(0);
      // Quiet connections: closed by the drain after its 1 s allowance (not at once: a request may be on its way).
      for (const ms of [silentMs!, keptAliveMs!]) {
        expect(ms).toBeGreaterThanOrEqual(900);
        expect(ms).toBeLessThan(2_900);
      }
      // A request half sent: the header timeout (3 s from connecting) answers 408 request_timeout, then the proxy exits.
      expect(partialReceived).toMatch(/^HTTP\/1\.1 408 /);
      expect(partialReceived).toContain('"code":"request_timeout"');
      expect(partialMs!).toBeGreaterThanOrEqual(2_000);
      expect(waited).toBeLessThan(8_000);
      expectNoSecrets(
        { stdout: stdout(), stderr: proxy.stderr(), first: `${JSON.stringify(first.headers)}\n${first.body}`, partial: partialReceived },
        SECRETS,
      );
    },
  );
});
