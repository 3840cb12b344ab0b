// The proxy's event-stream answer, in process, on a stub router: message framing, the headers, an error after the
// first event as an `event: error`, a client that leaves aborting the stream, backpressure, and what the log line,
// /metrics and /spend record once the stream has ended.
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ImageStreamEvent } from '../../generated/canonical/types.js';
import { BadGatewayError, BadRequestError } from '../../src/errors/classes.js';
import { ProxyMetrics } from '../../src/proxy/metrics.js';
import { sseMessage } from '../../src/proxy/routes/stream-reply.js';
import { buildProxy } from '../../src/proxy/server.js';
import { SpendLedger } from '../../src/proxy/spend-ledger.js';
import type { Router } from '../../src/router/router.js';
import { ImageStream, type StreamSummary } from '../../src/stream/image-stream.js';
import { parseMetrics, total } from '../helpers/prometheus-text.js';

const routing = { model_group: 'images', model_id: 'dep-1', provider: 'stub', attempted_retries: 0, attempted_fallbacks: 0 };

const partial = (index: number): ImageStreamEvent => ({
  type: 'image_generation.partial_image',
  b64_json: Buffer.from(`partial ${index}`).toString('base64'),
  created_at: 1700000000,
  partial_image_index: index,
});
const completed: ImageStreamEvent = { type: 'image_generation.completed', b64_json: 'ZmluYWw=', created_at: 1700000000, usage: { total_tokens: 3 } };

interface Script {
  events: ImageStreamEvent[];
  /** Thrown by the iterator after the events. */
  failWith?: Error;
  /** Wait before each event (ms), and stay open after the last one until aborted. */
  delayMs?: number;
  hold?: boolean;
  cost?: number | null;
}

/** An ImageStream playing a script, whose summary settles as a real one does, and which records an abort. */
function scriptedStream(script: Script): { stream: ImageStream; aborted: Promise<void>; yielded: () => number } {
  let count = 0;
  const controller = new AbortController();
  let settle!: (summary: StreamSummary) => void;
  let fail!: (error: unknown) => void;
  const summary = new Promise<StreamSummary>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  const aborted = new Promise<void>((resolve) => controller.signal.addEventListener('abort', () => resolve(), { once: true }));
  async function* events(): AsyncGenerator<ImageStreamEvent> {
    try {
      for (const event of script.events) {
        if (script.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, script.delayMs));
        if (controller.signal.aborted) throw new Error('aborted');
        count++;
        yield event;
      }
      if (script.hold === true) await aborted;
      if (controller.signal.aborted) throw new Error('aborted');
      if (script.failWith !== undefined) throw script.failWith;
      settle({ images: script.events.filter((event) => event.type.endsWith('completed')).length, response_cost: script.cost ?? null, warnings: [] });
    } catch (error) {
      fail(error);
      throw error;
    }
  }
  const hidden = { provider: 'stub', model: 'stub-1', api_base: 'http://stub', warnings: [], response_cost: null, attempts: 1, routing };
  return { stream: new ImageStream(events(), controller, hidden, summary), aborted, yielded: () => count };
}

let next: () => ImageStream | Promise<never> = () => scriptedStream({ events: [] }).stream;

const router = {
  settings: { numRetries: 2 },
  modelGroups: () => ['images'],
  deployments: () => [{ id: 'dep-1' }],
  generationCall: async () => next(),
  editCall: async () => next(),
} as unknown as Router;

const lines: Record<string, unknown>[] = [];
const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
const metrics = new ProxyMetrics();
const spend = new SpendLedger(() => 'images');
const app = buildProxy({ router, logger, masterKey: undefined, allowClientSideCredentials: false, maxRequestSizeMb: 1, health: { draining: false }, startedAtSeconds: 0, metrics, spend });
const body = { model: 'images', prompt: 'otter', stream: true };

afterEach(() => {
  lines.length = 0;
});

afterAll(async () => {
  await app.close();
});

async function listen(): Promise<number> {
  if (!app.server.listening) await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as AddressInfo).port;
}

const requestLines = () => lines.filter((line) => line['msg'] === 'request');

describe('stream reply', () => {
  it('frames each event as event/data lines, after the routing headers', async () => {
    next = () => scriptedStream({ events: [partial(0), partial(1), completed], cost: 0.04 }).stream;
    const answer = await app.inject({ method: 'POST', url: '/v1/images/generations', payload: body });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(answer.headers['cache-control']).toBe('no-cache');
    expect(answer.headers['x-accel-buffering']).toBe('no');
    expect(answer.headers['x-imagegate-model-id']).toBe('dep-1');
    expect(answer.headers['x-imagegate-response-cost']).toBeUndefined();
    expect(answer.body).toBe([partial(0), partial(1), completed].map((event) => sseMessage(event.type, event)).join(''));
    await expect.poll(() => requestLines().length).toBe(1);
    expect(requestLines()[0]).toMatchObject({ status: 200, model_group: 'images', deployment_id: 'dep-1' });
    expect(spend.report()).toMatchObject({ requests: 1, total_usd: 0.04 });
  });

  it('sends an error event (the error envelope under "error") when the stream fails after it started', async () => {
    next = () => scriptedStream({ events: [partial(0)], failWith: new BadGatewayError('upstream cut the stream', { code: 'upstream_closed' }) }).stream;
    const answer = await app.inject({ method: 'POST', url: '/v1/images/edits', payload: { ...body, image: 'aGVsbG8=' } });
    expect(answer.statusCode).toBe(200);
    const messages = answer.body.split('\n\n').filter(Boolean);
    expect(messages).toHaveLength(2);
    expect(messages[1]).toBe(
      'event: error\ndata: ' + JSON.stringify({ type: 'error', error: { message: 'upstream cut the stream', type: 'api_error', param: null, code: 'upstream_closed' } }),
    );
    await expect.poll(() => requestLines().length).toBe(1);
    expect(requestLines()[0]).toMatchObject({ path: '/v1/images/edits', status: 502, error: { code: 'upstream_closed' } });
    const samples = parseMetrics(await metrics.render());
    expect(total(samples, 'imagegate_request_errors_total', { status: '502' })).toBe(1);
  });

  it('answers an error before the stream with the JSON envelope', async () => {
    next = () => Promise.reject(new BadRequestError('partial_images must be 0-3.', { param: 'partial_images', code: 'invalid_request' }));
    const answer = await app.inject({ method: 'POST', url: '/v1/images/generations', payload: body });
    expect(answer.statusCode).toBe(400);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(answer.json()).toEqual({ error: { message: 'partial_images must be 0-3.', type: 'invalid_request_error', param: 'partial_images', code: 'invalid_request' } });
  });

  it('aborts the stream when the client leaves, and logs and counts a 499', async () => {
    const scripted = scriptedStream({ events: [partial(0), partial(1)], hold: true });
    next = () => scripted.stream;
    const port = await listen();
    const before = total(parseMetrics(await metrics.render()), 'imagegate_requests_total', { status: '499' });
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest({ port, host: '127.0.0.1', method: 'POST', path: '/v1/images/generations', headers: { 'content-type': 'application/json' } }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => undefined);
      req.once('error', reject);
      req.end(JSON.stringify(body));
    });
    await scripted.aborted;
    await expect.poll(() => requestLines().length).toBe(1);
    expect(requestLines()[0]).toMatchObject({ status: 499, deployment_id: 'dep-1' });
    expect(total(parseMetrics(await metrics.render()), 'imagegate_requests_total', { status: '499' })).toBe(before + 1);
  });

  it('pulls the next event only when the client can take it (backpressure), then delivers everything in order', async () => {
    // 12 events of 4 MB: far more than the socket buffers hold while the client is not reading.
    const big = (index: number): ImageStreamEvent => ({ ...partial(index), b64_json: 'A'.repeat(4 * 1024 * 1024) });
    const scripted = scriptedStream({ events: [...Array.from({ length: 12 }, (_, index) => big(index)), completed] });
    next = () => scripted.stream;
    const port = await listen();
    let yieldedWhilePaused = -1;
    const text = await new Promise<string>((resolve, reject) => {
      const req = httpRequest({ port, host: '127.0.0.1', method: 'POST', path: '/v1/images/generations', headers: { 'content-type': 'application/json' } }, (res) => {
        res.pause();
        setTimeout(() => {
          yieldedWhilePaused = scripted.yielded();
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
          res.resume();
        }, 500);
      });
      req.once('error', reject);
      req.end(JSON.stringify(body));
    });
    expect(yieldedWhilePaused).toBeGreaterThan(0);
    expect(yieldedWhilePaused).toBeLessThan(12);
    expect(scripted.yielded()).toBe(13);
    const types = [...text.matchAll(/^event: (.+)$/gm)].map((match) => match[1]);
    expect(types).toEqual([...Array.from({ length: 12 }, () => 'image_generation.partial_image'), 'image_generation.completed']);
  });
});
