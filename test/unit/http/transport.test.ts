import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  APIConnectionError,
  APIUserAbortError,
  BadGatewayError,
  TimeoutError,
} from '../../../src/errors/classes.js';
import { sendHttp } from '../../../src/http/transport.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const servers: Server[] = [];

async function startServer(handler: Handler): Promise<{ server: Server; base: string }> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, base: `http://127.0.0.1:${port}` };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function captureError(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

const context = { provider: 'acme', model: 'painter-1' };

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
});

describe('sendHttp', () => {
  it('round-trips JSON and lower-cases response headers', async () => {
    let seen: { method?: string; url?: string; contentType?: string; body?: string } = {};
    const { base } = await startServer(async (req, res) => {
      seen = { method: req.method, url: req.url, contentType: req.headers['content-type'], body: await readBody(req) };
      res.setHeader('X-Request-ID', 'abc');
      res.setHeader('Set-Cookie', ['a=1', 'b=2']);
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ ok: true, echo: JSON.parse(seen.body ?? 'null'), text: 'héllo ✓' }));
    });

    const response = await sendHttp(
      {
        url: `${base}/v1/images?x=1`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'a cat' }),
      },
      { timeoutMs: 2000, context },
    );

    expect(seen).toEqual({ method: 'POST', url: '/v1/images?x=1', contentType: 'application/json', body: '{"prompt":"a cat"}' });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ ok: true, echo: { prompt: 'a cat' }, text: 'héllo ✓' });
    expect(response.headers['x-request-id']).toBe('abc');
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.headers['set-cookie']).toBe('a=1, b=2');
    expect(Object.keys(response.headers).every((name) => name === name.toLowerCase())).toBe(true);
  });

  it('sends Uint8Array bodies and returns non-2xx statuses as responses', async () => {
    const { base } = await startServer(async (req, res) => {
      const body = await readBody(req);
      res.statusCode = 422;
      res.end(`got ${body.length} bytes`);
    });

    const response = await sendHttp(
      { url: `${base}/x`, method: 'POST', headers: {}, body: new Uint8Array([1, 2, 3, 4, 5]) },
      { timeoutMs: 2000 },
    );

    expect(response.status).toBe(422);
    expect(response.body).toBe('got 5 bytes');
  });

  it('reuses the same keep-alive connection for sequential requests', async () => {
    const sockets: unknown[] = [];
    const ports: number[] = [];
    const { base } = await startServer((req, res) => {
      sockets.push(req.socket);
      ports.push(req.socket.remotePort ?? -1);
      res.end('ok');
    });

    await sendHttp({ url: `${base}/a`, method: 'GET', headers: {} }, { timeoutMs: 2000 });
    // undici hands a finished socket back to the pool only after a full event-loop turn.
    await new Promise((resolve) => setImmediate(resolve));
    await sendHttp({ url: `${base}/b`, method: 'GET', headers: {} }, { timeoutMs: 2000 });

    expect(sockets).toHaveLength(2);
    expect(sockets[1]).toBe(sockets[0]);
    expect(ports[1]).toBe(ports[0]);
  });

  it('keeps back-to-back sequential requests on pooled connections', async () => {
    const ports: number[] = [];
    const { base } = await startServer((req, res) => {
      ports.push(req.socket.remotePort ?? -1);
      res.end('ok');
    });

    for (let i = 0; i < 6; i++) {
      await sendHttp({ url: `${base}/${i}`, method: 'GET', headers: {} }, { timeoutMs: 2000 });
    }

    expect(ports).toHaveLength(6);
    expect(new Set(ports).size).toBeLessThanOrEqual(2);
  });

  it('times out when the server never answers', async () => {
    const { base } = await startServer(() => {});
    const started = Date.now();

    const error = await captureError(
      sendHttp({ url: `${base}/slow?token=secret`, method: 'GET', headers: {} }, { timeoutMs: 200, context }),
    );

    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(TimeoutError);
    const timeout = error as TimeoutError;
    expect(timeout.status).toBe(408);
    expect(timeout.message).toBe(`Request to ${base} timed out after 0.2 s`);
    expect(timeout.provider).toBe('acme');
    expect(timeout.model).toBe('painter-1');
    expect(timeout.headers).toEqual({});
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(1000);
  });

  it('formats fractional timeouts in seconds', async () => {
    const { base } = await startServer(() => {});
    const error = await captureError(sendHttp({ url: `${base}/`, method: 'GET', headers: {} }, { timeoutMs: 250 }));
    expect((error as Error).message).toBe(`Request to ${base} timed out after 0.25 s`);
  });

  it('times out when the server hangs in the middle of the body', async () => {
    const { base } = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100' });
      res.write('partial');
    });
    const started = Date.now();

    const error = await captureError(sendHttp({ url: `${base}/`, method: 'GET', headers: {} }, { timeoutMs: 200 }));

    expect(error).toBeInstanceOf(TimeoutError);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('maps a caller abort during the request to APIUserAbortError', async () => {
    const { base } = await startServer(() => {});
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();

    const error = await captureError(
      sendHttp({ url: `${base}/`, method: 'GET', headers: {} }, { timeoutMs: 5000, signal: controller.signal, context }),
    );

    expect(error).toBeInstanceOf(APIUserAbortError);
    expect((error as APIUserAbortError).message).toBe('Request was aborted by the caller');
    expect((error as APIUserAbortError).provider).toBe('acme');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('maps a caller abort while reading the body to APIUserAbortError', async () => {
    const controller = new AbortController();
    const { base } = await startServer((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial', () => setTimeout(() => controller.abort(), 20));
    });

    const error = await captureError(
      sendHttp({ url: `${base}/`, method: 'GET', headers: {} }, { timeoutMs: 5000, signal: controller.signal }),
    );

    expect(error).toBeInstanceOf(APIUserAbortError);
  });

  it('rejects an already aborted signal without contacting the server', async () => {
    let hits = 0;
    const { base } = await startServer((_req, res) => {
      hits++;
      res.end('ok');
    });

    const error = await captureError(
      sendHttp({ url: `${base}/`, method: 'GET', headers: {} }, { timeoutMs: 2000, signal: AbortSignal.abort() }),
    );

    expect(error).toBeInstanceOf(APIUserAbortError);
    expect(hits).toBe(0);
  });

  it('maps a refused connection to APIConnectionError naming only the origin', async () => {
    const { server, base } = await startServer(() => {});
    await new Promise<void>((resolve) => server.close(() => resolve()));
    servers.splice(servers.indexOf(server), 1);

    const error = await captureError(
      sendHttp(
        { url: `${base}/v1/secret-path?api_key=hunter2hunter2`, method: 'POST', headers: { authorization: 'Bearer hidden-token' }, body: '{}' },
        { timeoutMs: 2000, context },
      ),
    );

    expect(error).toBeInstanceOf(APIConnectionError);
    const connection = error as APIConnectionError;
    expect(connection.message).toBe(`Connection error to ${base} (ECONNREFUSED)`);
    expect(connection.message).not.toMatch(/secret-path|api_key|hunter2|hidden-token/);
    expect(connection.provider).toBe('acme');
    expect(connection.model).toBe('painter-1');
    expect(connection.status).toBeUndefined();
  });

  it('maps a socket destroyed mid-response to APIConnectionError', async () => {
    const { base } = await startServer((req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('x'.repeat(10), () => req.socket.destroy());
    });

    const error = await captureError(sendHttp({ url: `${base}/`, method: 'GET', headers: {} }, { timeoutMs: 2000 }));

    expect(error).toBeInstanceOf(APIConnectionError);
    expect((error as Error).message).toMatch(new RegExp(`^Connection error to ${base} \\((UND_ERR_SOCKET|ECONNRESET)\\)$`));
  });

  it('maps a socket destroyed before any response to APIConnectionError', async () => {
    const { base } = await startServer((req) => req.socket.destroy());

    const error = await captureError(sendHttp({ url: `${base}/`, method: 'GET', headers: {} }, { timeoutMs: 2000 }));

    expect(error).toBeInstanceOf(APIConnectionError);
    expect((error as Error).message).toMatch(/^Connection error to http:\/\/127\.0\.0\.1:\d+ \(\w+\)$/);
  });

  it('rejects a response whose declared length exceeds maxResponseBytes', async () => {
    const { base } = await startServer((_req, res) => {
      res.writeHead(200, { 'content-length': '2048' });
      res.end('y'.repeat(2048));
    });

    const error = await captureError(
      sendHttp({ url: `${base}/`, method: 'GET', headers: {} }, { timeoutMs: 2000, maxResponseBytes: 1024, context }),
    );

    expect(error).toBeInstanceOf(BadGatewayError);
    expect((error as BadGatewayError).message).toContain('response larger than 1024 bytes');
    expect((error as BadGatewayError).provider).toBe('acme');
  });

  it('rejects a chunked response that grows past maxResponseBytes', async () => {
    const { base } = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = 'z'.repeat(512);
      let sent = 0;
      const timer = setInterval(() => {
        if (res.destroyed || sent++ > 100) {
          clearInterval(timer);
          res.end();
          return;
        }
        res.write(chunk);
      }, 1);
    });

    const error = await captureError(
      sendHttp({ url: `${base}/`, method: 'GET', headers: {} }, { timeoutMs: 5000, maxResponseBytes: 2000 }),
    );

    expect(error).toBeInstanceOf(BadGatewayError);
    expect((error as Error).message).toContain('larger than 2000 bytes');
  });

  it('accepts a response exactly at maxResponseBytes', async () => {
    const { base } = await startServer((_req, res) => res.end('q'.repeat(1024)));

    const response = await sendHttp({ url: `${base}/`, method: 'GET', headers: {} }, { timeoutMs: 2000, maxResponseBytes: 1024 });

    expect(response.body).toHaveLength(1024);
  });

  it('keeps working on the same origin after an aborted exchange', async () => {
    let calls = 0;
    const { base } = await startServer((_req, res) => {
      calls++;
      if (calls === 1) return;
      res.end('second');
    });

    await expect(sendHttp({ url: `${base}/`, method: 'GET', headers: {} }, { timeoutMs: 100 })).rejects.toBeInstanceOf(TimeoutError);
    const response = await sendHttp({ url: `${base}/`, method: 'GET', headers: {} }, { timeoutMs: 2000 });

    expect(response.body).toBe('second');
  });
});
