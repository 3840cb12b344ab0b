// The real proxy in this process, in front of fault upstreams: a Router from a config object, buildProxy() with a pino
// logger writing to memory, listening on 127.0.0.1, and an HTTP client with its own connection pool. Everything the
// suite sees (log lines, answers with their headers, errors) is kept for the credential scan.
import { inspect } from 'node:util';
import { pino } from 'pino';
import { Agent, request } from 'undici';
import { buildProxy } from '../../src/proxy/server.js';
import { Router } from '../../src/router/router.js';
import type { RouterConfig } from '../../src/router/router-settings.js';
import type { RawReply } from '../e2e/helpers/proxy-http.js';

export interface TimedReply extends RawReply {
  /** Milliseconds from sending the request to having read the whole answer. */
  elapsedMs: number;
}

export interface FaultProxy {
  url: string;
  router: Router;
  /** POST /v1/images/generations with the master key; `signal` lets the client give up (disconnect). */
  generate(body: Record<string, unknown>, signal?: AbortSignal): Promise<TimedReply>;
  /** GET a path with the master key; the body as text. */
  get(path: string): Promise<string>;
  /** Every log line the proxy wrote. */
  logLines(): string[];
  /** Adds a text (an error message, an inspected error) to what the credential scan reads. */
  record(label: string, text: string): void;
  /** Every log line, answer (status, headers, body) and recorded text so far, by label. */
  transcript(): Record<string, string>;
  /** TCP connections open on the proxy's server right now. */
  openConnections(): Promise<number>;
  /** Closes the proxy (app.close()) and the client's pool. */
  close(): Promise<void>;
}

export async function startFaultProxy(config: RouterConfig, masterKey: string, clientConnections = 32): Promise<FaultProxy> {
  const lines: string[] = [];
  const texts: Record<string, string> = {};
  let answers = 0;
  // Every level: whatever the proxy logs is scanned.
  const logger = pino({ level: 'trace', base: { service: 'imagegate' } }, { write: (line: string) => void lines.push(line) });
  const router = new Router(config, { env: {} });
  const app = buildProxy({
    router,
    logger,
    masterKey,
    allowClientSideCredentials: false,
    maxRequestSizeMb: 1,
    health: { draining: false },
    startedAtSeconds: 1700000000,
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const client = new Agent({ connections: clientConnections, keepAliveTimeout: 10_000 });

  const record = (label: string, text: string): void => {
    texts[label] = text;
  };

  return {
    url,
    router,
    async generate(body, signal) {
      const started = performance.now();
      try {
        // undici's request(), not fetch(): a third of the client's CPU per request, which matters for 2,000 of them.
        const response = await request(`${url}/v1/images/generations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${masterKey}` },
          body: JSON.stringify(body),
          dispatcher: client,
          ...(signal === undefined ? {} : { signal }),
        });
        const text = await response.body.text();
        const elapsedMs = performance.now() - started;
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        const headers = new Headers();
        for (const [name, value] of Object.entries(response.headers)) {
          for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, one);
        }
        const status = response.statusCode;
        record(`answer ${answers++}`, `${status}\n${JSON.stringify([...headers])}\n${text}`);
        return { status, headers, text, json, elapsedMs };
      } catch (error) {
        record(`client error ${answers++}`, inspect(error, { depth: 6 }));
        throw error;
      }
    },
    logLines: () => [...lines],
    record,
    transcript: () => ({ ...Object.fromEntries(lines.map((line, index) => [`log line ${index}`, line])), ...texts }),
    openConnections: () =>
      new Promise((resolve, reject) => app.server.getConnections((error, count) => (error === null ? resolve(count) : reject(error)))),
    async get(path) {
      const response = await request(`${url}${path}`, { headers: { authorization: `Bearer ${masterKey}` }, dispatcher: client });
      const text = await response.body.text();
      record(`answer ${answers++}`, `${response.statusCode}\n${JSON.stringify(response.headers)}\n${text}`);
      return text;
    },
    async close() {
      // The client leaves first. (After an aborted request undici reconnects at once; a connection that has not sent a
      // request yet is not idle to Node, so app.close() would wait for it — see the report on graceful shutdown.)
      await client.close();
      await app.close();
    },
  };
}

/** litellm_params of an OpenAI deployment whose upstream is a fault upstream. */
export function faultDeployment(
  upstreamUrl: string,
  apiKey: string,
  timeoutSeconds: number,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { model: 'openai/gpt-image-1', api_base: `${upstreamUrl}/v1`, api_key: apiKey, timeout: timeoutSeconds, ...extra };
}

/** A credential unique to this run, in a shape no generic pattern (sk-..., AKIA..., Bearer) would catch by itself. */
export function uniqueSecret(label: string): string {
  return `${label}-${crypto.randomUUID().replaceAll('-', '')}`;
}

/** The resources keeping the event loop alive (sockets, servers, timers), counted by type. */
export function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

/**
 * The resources alive throughout ~200 ms (per type, the fewest seen): a baseline without the test runner's own
 * short-lived timers and pipes, which would otherwise hide a leak of the same type.
 */
export async function quietResources(): Promise<Record<string, number>> {
  let quiet = activeResources();
  for (let sample = 0; sample < 10; sample++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const now = activeResources();
    quiet = Object.fromEntries(Object.entries(quiet).map(([type, count]) => [type, Math.min(count, now[type] ?? 0)]));
  }
  return quiet;
}

/** Waits until the active resources are back to `baseline` (no type has more); returns what is left over otherwise. */
export async function settleToBaseline(baseline: Record<string, number>, withinMs: number): Promise<Record<string, number>> {
  const deadline = performance.now() + withinMs;
  for (;;) {
    const extra: Record<string, number> = {};
    for (const [type, count] of Object.entries(activeResources())) {
      const over = count - (baseline[type] ?? 0);
      if (over > 0) extra[type] = over;
    }
    if (Object.keys(extra).length === 0 || performance.now() > deadline) return extra;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
