// HTTP/1.1 over a bare TCP socket, for what a well-behaved client never sends: invalid bytes, absurd or duplicated
// headers, a Content-Length that lies, truncated and chunked bodies. Every exchange is bounded in time and ends in
// one of three outcomes: a complete response, a connection the server closed without one, or nothing in time.
import { connect } from 'node:net';

export interface RawResponse {
  kind: 'response';
  status: number;
  /** Lower-cased names; a repeated header keeps every value. */
  headers: Record<string, string[]>;
  body: Buffer;
}

export type RawOutcome =
  | RawResponse
  /** The server closed (or reset) the connection before a complete response; `received` is what came first. */
  | { kind: 'closed'; received: Buffer }
  | { kind: 'timeout'; received: Buffer }
  /** The client went away on purpose (RawExchange.abandonAfterMs) before a complete response. */
  | { kind: 'abandoned'; received: Buffer };

export interface RawExchange {
  host: string;
  port: number;
  /** Written in order; a small pause between chunks makes the server see them as separate reads. */
  chunks: Buffer[];
  /** After the last chunk: half-close the write side (FIN), or keep it open until the answer or the timeout. */
  endWrite: boolean;
  timeoutMs: number;
  /** The request was a HEAD: its response has headers only, whatever its Content-Length says. */
  head?: boolean;
  /** Destroy the connection this long after the last write, as a client that gives up. */
  abandonAfterMs?: number;
}

/**
 * The final response in `bytes` (after any 1xx interim ones, e.g. 100 Continue), once it is complete; undefined
 * while more is needed. Throws on a malformed one.
 */
export function parseResponse(bytes: Buffer, closed: boolean, head = false): RawResponse | undefined {
  const headEnd = bytes.indexOf('\r\n\r\n');
  if (headEnd < 0) return undefined;
  if (/^HTTP\/1\.[01] 1\d\d/.test(bytes.subarray(0, 12).toString('latin1'))) return parseResponse(bytes.subarray(headEnd + 4), closed, head);
  const lines = bytes.subarray(0, headEnd).toString('latin1').split('\r\n');
  const statusLine = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(lines[0] ?? '');
  if (statusLine === null) throw new Error(`not an HTTP response: ${JSON.stringify(lines[0])}`);
  const headers: Record<string, string[]> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`malformed response header line: ${JSON.stringify(line)}`);
    const name = line.slice(0, colon).trim().toLowerCase();
    (headers[name] ??= []).push(line.slice(colon + 1).trim());
  }
  const rest = bytes.subarray(headEnd + 4);
  const status = Number(statusLine[1]);
  if (head || status === 204 || status === 304) return { kind: 'response', status, headers, body: Buffer.alloc(0) };
  const length = headers['content-length']?.[0];
  if (length !== undefined) {
    const size = Number(length);
    if (rest.length < size) return undefined;
    return { kind: 'response', status, headers, body: rest.subarray(0, size) };
  }
  if (headers['transfer-encoding']?.[0]?.toLowerCase() === 'chunked') {
    const body = dechunk(rest);
    return body === undefined ? undefined : { kind: 'response', status, headers, body };
  }
  // Neither: the body runs until the connection closes.
  return closed ? { kind: 'response', status, headers, body: rest } : undefined;
}

/** A chunked body, once its last chunk has arrived. */
function dechunk(bytes: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', offset);
    if (lineEnd < 0) return undefined;
    const size = parseInt(bytes.subarray(offset, lineEnd).toString('latin1').split(';')[0]!, 16);
    if (!Number.isFinite(size)) throw new Error('malformed chunk size in the response');
    if (size === 0) return Buffer.concat(parts);
    if (bytes.length < lineEnd + 2 + size + 2) return undefined;
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
}

export function rawExchange(exchange: RawExchange): Promise<RawOutcome> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: exchange.host, port: exchange.port });
    const received: Buffer[] = [];
    let settled = false;
    const finish = (outcome: RawOutcome | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const attempt = (closed: boolean) => {
      const bytes = Buffer.concat(received);
      try {
        const response = parseResponse(bytes, closed, exchange.head);
        if (response !== undefined) finish(response);
        else if (closed) finish({ kind: 'closed', received: bytes });
      } catch (error) {
        finish(error as Error);
      }
    };
    const timer = setTimeout(() => finish({ kind: 'timeout', received: Buffer.concat(received) }), exchange.timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      attempt(false);
    });
    socket.on('end', () => attempt(true));
    socket.on('close', () => attempt(true));
    // A reset while we still write (the server answered early and closed) is a close, not a client failure.
    socket.on('error', () => attempt(true));
    socket.on('connect', async () => {
      for (const [index, chunk] of exchange.chunks.entries()) {
        if (settled || socket.destroyed) return;
        if (index > 0) await new Promise((resolve) => setTimeout(resolve, 2));
        socket.write(chunk);
      }
      if (exchange.endWrite && !socket.destroyed) socket.end();
      if (exchange.abandonAfterMs !== undefined)
        setTimeout(() => finish({ kind: 'abandoned', received: Buffer.concat(received) }), exchange.abandonAfterMs);
    });
  });
}

/**
 * Requests one after the other on one keep-alive connection, each sent once the answer to the one before is
 * complete. Stops at the first request without an answer (closed, or none within timeoutMs).
 */
export function keepAliveExchange(host: string, port: number, requests: Buffer[], timeoutMs: number): Promise<RawOutcome[]> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const outcomes: RawOutcome[] = [];
    let received: Buffer = Buffer.alloc(0);
    let closed = false;
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const stop = (last?: RawOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (last !== undefined) outcomes.push(last);
      socket.destroy();
      resolve(outcomes);
    };
    const next = () => {
      const request = requests[outcomes.length];
      if (request === undefined) return stop();
      received = Buffer.alloc(0);
      timer = setTimeout(() => stop({ kind: 'timeout', received }), timeoutMs);
      socket.write(request);
    };
    const attempt = () => {
      if (done) return;
      let response: RawResponse | undefined;
      try {
        response = parseResponse(received, closed);
      } catch {
        return stop({ kind: 'closed', received });
      }
      if (response !== undefined) {
        clearTimeout(timer);
        outcomes.push(response);
        if (closed) stop();
        else next();
      } else if (closed) stop({ kind: 'closed', received });
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      attempt();
    });
    socket.on('close', () => {
      closed = true;
      attempt();
    });
    socket.on('error', () => undefined);
    socket.on('connect', next);
  });
}

export interface RawRequest {
  method: string;
  /** The request target as written on the request line (may hold anything). */
  target: string;
  /** Written as given, in order: duplicates, odd casing and invalid bytes included. */
  headers: [string, string | Buffer][];
  body?: Buffer;
  /** The request line's last word (default HTTP/1.1); may be anything, or empty. */
  version?: string;
}

/** The request's bytes: request line, headers, blank line, body. Header values that are Buffers go out as raw bytes. */
export function encodeRequest(request: RawRequest): Buffer {
  const parts: Buffer[] = [Buffer.from(`${request.method} ${request.target} ${request.version ?? 'HTTP/1.1'}\r\n`, 'latin1')];
  for (const [name, value] of request.headers) {
    parts.push(Buffer.from(`${name}: `, 'latin1'), typeof value === 'string' ? Buffer.from(value, 'latin1') : value, Buffer.from('\r\n', 'latin1'));
  }
  parts.push(Buffer.from('\r\n', 'latin1'));
  if (request.body !== undefined) parts.push(request.body);
  return Buffer.concat(parts);
}
