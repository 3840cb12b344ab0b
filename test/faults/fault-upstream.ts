// A local OpenAI-shaped images upstream that misbehaves on purpose. Each request to POST .../images/generations is
// answered in the mode the test chose (one mode, a cycle of modes, or a function of the request number): a healthy
// `{created, data: [{b64_json}]}`, an HTTP error, a reset or closed connection, a hang, a body that trickles or stops
// short, or a 200 that is not an image answer. It counts requests per mode and tracks its open sockets and the
// requests it has not finished, so a test can assert that its client gave up on every one and closed every socket.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export const FAULT_MODES = [
  /** 500 with OpenAI's error JSON (whose message echoes the credential it was sent, as some upstreams do). */
  'error-500',
  /** 503 with an error JSON and `Retry-After: 1`. */
  'unavailable-503',
  /** 429 with an error JSON and `Retry-After: 1`. */
  'rate-limit-429',
  /** 429 with `retry-after-ms: 200` (and `Retry-After: 1`, which retry-after-ms overrides). */
  'rate-limit-429-ms',
  /** The request is read, then the connection is reset (TCP RST) without an answer. */
  'reset',
  /** The request is read, then the connection is closed (FIN) without an answer. */
  'close',
  /** The request is read and never answered. */
  'hang',
  /** 200 and its headers at once, then the body one byte per `trickleMs`: it would take far longer than any timeout. */
  'slow-body',
  /** 200 with a Content-Length larger than the bytes sent, then the connection is closed. */
  'truncated-body',
  /** 200 whose body is not JSON. */
  'invalid-json',
  /** 200 whose body is an error object instead of images (echoing the credential). */
  'error-body-200',
  /** 200 with `data: []`. */
  'empty-data-200',
] as const;

export type FaultMode = 'ok' | (typeof FAULT_MODES)[number];

/** The base64 image every healthy answer carries. */
export const HEALTHY_B64 = Buffer.from('a fault-free image', 'utf8').toString('base64');

export type Behaviour = FaultMode | readonly FaultMode[] | ((requestIndex: number) => FaultMode);

export interface FaultUpstreamOptions {
  /** Milliseconds between two bytes of a slow body (default 100). */
  trickleMs?: number;
  /** The server's keep-alive timeout in ms (default: Node's, 5000); it is also the `Keep-Alive: timeout=` hint. */
  keepAliveTimeoutMs?: number;
}

export interface FaultRequest {
  index: number;
  mode: FaultMode;
  path: string;
  authorization: string | undefined;
  body: string;
}

export interface SocketState {
  ageMs: number;
  bytesRead: number;
  bytesWritten: number;
  /** Requests this connection carried. */
  requests: number;
  /** A request is being received or answered on it right now. */
  busy: boolean;
}

export interface FaultUpstream {
  /** http://127.0.0.1:<port>: a deployment's api_base is `${url}/v1`. */
  url: string;
  /** Every request, in arrival order, with the mode it got. */
  requests: FaultRequest[];
  /** How many requests each mode answered. */
  countsByMode(): Partial<Record<FaultMode, number>>;
  /** Sets how the next requests are answered; request numbers restart at 0. */
  behave(behaviour: Behaviour): void;
  /** TCP connections open right now. */
  openSockets(): number;
  /** Most TCP connections open at once. */
  peakSockets(): number;
  /** Connections accepted so far. */
  acceptedSockets(): number;
  /** Requests received whose answer has neither finished nor been abandoned by the client (hangs and trickles in progress). */
  unfinished(): number;
  /** The sockets open right now: when each connected, bytes read and written, requests it carried. */
  describeSockets(): SocketState[];
  /** Resolves once no open socket matches `which` (default: any); rejects after `withinMs` with what is still open. */
  waitForSockets(withinMs: number, which?: (socket: SocketState) => boolean): Promise<void>;
  /** Stops the server: clears its timers and destroys any connection still open. */
  close(): Promise<void>;
}

function errorJson(message: string, type: string, code: string | null): string {
  return JSON.stringify({ error: { message, type, param: null, code } });
}

function echoedKey(authorization: string | undefined): string {
  // What a careless upstream does: repeat the credential it received. The proxy must redact it.
  return (authorization ?? '').replace(/^Bearer\s+/i, '');
}

export async function startFaultUpstream(initial: Behaviour = 'ok', options: FaultUpstreamOptions = {}): Promise<FaultUpstream> {
  const trickleMs = options.trickleMs ?? 100;
  let behaviour: Behaviour = initial;
  let counter = 0;
  const requests: FaultRequest[] = [];
  const sockets = new Set<Socket>();
  const socketInfo = new WeakMap<Socket, { connectedAt: number; requests: number; busy: number }>();
  const timers = new Set<NodeJS.Timeout>();
  const inProgress = new Set<ServerResponse>();
  let accepted = 0;
  let peak = 0;

  const modeFor = (index: number): FaultMode => {
    if (typeof behaviour === 'string') return behaviour as FaultMode;
    if (typeof behaviour === 'function') return behaviour(index);
    const cycle = behaviour as readonly FaultMode[];
    return cycle[index % cycle.length]!;
  };

  const json = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers });
    res.end(body);
  };

  const answer = (req: IncomingMessage, res: ServerResponse, request: FaultRequest): void => {
    const key = echoedKey(request.authorization);
    switch (request.mode) {
      case 'ok':
        json(res, 200, JSON.stringify({ created: 1700000000, data: [{ b64_json: HEALTHY_B64 }] }));
        return;
      case 'error-500':
        json(res, 500, errorJson(`The server had an error while processing your request (key ${key}).`, 'server_error', 'server_error'));
        return;
      case 'unavailable-503':
        json(res, 503, errorJson('The engine is currently overloaded, please try again later.', 'server_error', 'engine_overloaded'), {
          'retry-after': '1',
        });
        return;
      case 'rate-limit-429':
        json(res, 429, errorJson('Rate limit reached for images per minute. Please try again in 1s.', 'requests', 'rate_limit_exceeded'), {
          'retry-after': '1',
        });
        return;
      case 'rate-limit-429-ms':
        json(res, 429, errorJson('Rate limit reached for images per minute. Please try again in 200ms.', 'requests', 'rate_limit_exceeded'), {
          'retry-after': '1',
          'retry-after-ms': '200',
        });
        return;
      case 'reset':
        req.socket.resetAndDestroy();
        return;
      case 'close':
        req.socket.destroy();
        return;
      case 'hang':
        inProgress.add(res);
        return;
      case 'slow-body': {
        const body = JSON.stringify({ created: 1700000000, data: [{ b64_json: HEALTHY_B64.repeat(20) }] });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
        inProgress.add(res);
        let sent = 0;
        const timer = setInterval(() => {
          res.write(body.slice(sent, sent + 1));
          sent++;
          if (sent >= body.length) {
            clearInterval(timer);
            timers.delete(timer);
            res.end();
          }
        }, trickleMs);
        timers.add(timer);
        res.on('close', () => {
          clearInterval(timer);
          timers.delete(timer);
        });
        return;
      }
      case 'truncated-body': {
        const body = JSON.stringify({ created: 1700000000, data: [{ b64_json: HEALTHY_B64 }] });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body) + 1000) });
        res.write(body.slice(0, Math.floor(body.length / 2)), () => req.socket.destroy());
        return;
      }
      case 'invalid-json':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"created": 1700000000, "data": [{"b64_json": "aGVsbG8=" <html>502 Bad Gateway</html>');
        return;
      case 'error-body-200':
        json(res, 200, errorJson(`Your request could not be completed for key ${key}.`, 'server_error', 'upstream_error'));
        return;
      case 'empty-data-200':
        json(res, 200, JSON.stringify({ created: 1700000000, data: [] }));
        return;
    }
  };

  const server: Server = createServer((req, res) => {
    const info = socketInfo.get(req.socket);
    if (info !== undefined) {
      info.requests++;
      info.busy++;
      res.on('close', () => info.busy--);
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const index = counter++;
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      const mode: FaultMode = req.method === 'POST' && path.endsWith('/images/generations') ? modeFor(index) : 'ok';
      const request: FaultRequest = { index, mode, path, authorization: req.headers.authorization, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(request);
      res.on('close', () => inProgress.delete(res));
      answer(req, res, request);
    });
  });
  if (options.keepAliveTimeoutMs !== undefined) server.keepAliveTimeout = options.keepAliveTimeoutMs;
  server.on('connection', (socket: Socket) => {
    accepted++;
    sockets.add(socket);
    socketInfo.set(socket, { connectedAt: performance.now(), requests: 0, busy: 0 });
    peak = Math.max(peak, sockets.size);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  const describeSockets = (): SocketState[] =>
    [...sockets].map((socket) => {
      const info = socketInfo.get(socket)!;
      // Bytes read beyond the requests it carried would be a request still arriving: count it as busy too.
      return {
        ageMs: Math.round(performance.now() - info.connectedAt),
        bytesRead: socket.bytesRead,
        bytesWritten: socket.bytesWritten,
        requests: info.requests,
        busy: info.busy > 0 || (info.requests === 0 && socket.bytesRead > 0),
      };
    });

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    countsByMode() {
      const counts: Partial<Record<FaultMode, number>> = {};
      for (const { mode } of requests) counts[mode] = (counts[mode] ?? 0) + 1;
      return counts;
    },
    behave(next) {
      behaviour = next;
      counter = 0;
    },
    openSockets: () => sockets.size,
    peakSockets: () => peak,
    acceptedSockets: () => accepted,
    unfinished: () => inProgress.size,
    describeSockets,
    async waitForSockets(withinMs, which = () => true) {
      const deadline = performance.now() + withinMs;
      while (describeSockets().some(which)) {
        if (performance.now() > deadline) {
          throw new Error(`upstream socket(s) still open after ${withinMs} ms: ${JSON.stringify(describeSockets().filter(which))}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async close() {
      for (const timer of timers) clearInterval(timer);
      timers.clear();
      // Every socket still in the set has yet to emit 'close' (server.close() already destroys the idle ones).
      const socketsClosed = [...sockets].map((socket) => once(socket, 'close'));
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await Promise.all([closed, ...socketsClosed]);
    },
  };
}
