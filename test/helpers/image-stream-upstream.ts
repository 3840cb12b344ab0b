// A local OpenAI-shaped upstream for streaming and edits: it records every request (JSON or multipart, parsed, with
// arrival time), answers JSON or a text/event-stream whose events it spaces in time (recording when each was
// written), and notices when a client closes a request before its answer ended.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';

export interface FormPart {
  name: string;
  /** Set for a file part. */
  filename?: string;
  type?: string;
  /** A file part's bytes. */
  bytes?: Buffer;
  /** A text part's value. */
  value?: string;
}

export interface UpstreamRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** performance.now() when the request body had arrived. */
  receivedAt: number;
  bytes: Buffer;
  /** The JSON body, when it was JSON. */
  json: Record<string, unknown> | undefined;
  /** The multipart parts in order, when it was multipart/form-data. */
  parts: FormPart[] | undefined;
  /** performance.now() each SSE event was written. */
  sentAt: number[];
  /** Settles true when the client closed the request before its answer ended, false when the answer ended first. */
  closedEarly: Promise<boolean>;
  /** performance.now() when the connection closed early. */
  closedAt?: number;
}

export interface StreamEvent {
  /** The SSE event name (defaults to data.type). */
  event?: string;
  data: Record<string, unknown>;
  /** Wait this long before writing it (after the previous event, or after the headers for the first). */
  delayMs?: number;
}

export type UpstreamAnswer =
  | { kind: 'json'; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: 'sse'; events: StreamEvent[]; /** Destroy the connection after the events instead of ending it. */ cut?: boolean; /** Keep the stream open after the events. */ hold?: boolean };

export interface ImageStreamUpstream {
  url: string;
  requests: UpstreamRequest[];
  respond(answer: UpstreamAnswer | ((request: UpstreamRequest) => UpstreamAnswer)): void;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function parseForm(bytes: Buffer, contentType: string): Promise<FormPart[]> {
  const form = await new Response(bytes, { headers: { 'content-type': contentType } }).formData();
  const parts: FormPart[] = [];
  for (const [name, value] of form.entries()) {
    if (typeof value === 'string') parts.push({ name, value });
    else parts.push({ name, filename: value.name, type: value.type, bytes: Buffer.from(await value.arrayBuffer()) });
  }
  return parts;
}

async function writeEvents(res: ServerResponse, request: UpstreamRequest, answer: Extract<UpstreamAnswer, { kind: 'sse' }>): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
  for (const event of answer.events) {
    if (event.delayMs !== undefined) await sleep(event.delayMs);
    if (res.destroyed) return;
    request.sentAt.push(performance.now());
    await new Promise<void>((resolve) => res.write(`event: ${event.event ?? String(event.data['type'])}\ndata: ${JSON.stringify(event.data)}\n\n`, () => resolve()));
  }
  if (answer.cut === true) {
    // Let the events leave before the connection is cut.
    await sleep(50);
    res.destroy();
  } else if (answer.hold !== true) res.end();
}

export async function startImageStreamUpstream(): Promise<ImageStreamUpstream> {
  const requests: UpstreamRequest[] = [];
  let responder: UpstreamAnswer | ((request: UpstreamRequest) => UpstreamAnswer) = { kind: 'json', status: 200, body: { created: 1700000000, data: [{ b64_json: 'aGVsbG8=' }] } };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const bytes = Buffer.concat(chunks);
        const contentType = req.headers['content-type'] ?? '';
        let resolveClosed!: (early: boolean) => void;
        const request: UpstreamRequest = {
          method: req.method ?? '',
          path: new URL(req.url ?? '/', 'http://127.0.0.1').pathname,
          headers: req.headers,
          receivedAt: performance.now(),
          bytes,
          json: undefined,
          parts: undefined,
          sentAt: [],
          closedEarly: new Promise<boolean>((resolve) => (resolveClosed = resolve)),
        };
        res.on('close', () => {
          const early = !res.writableFinished;
          if (early) request.closedAt = performance.now();
          resolveClosed(early);
        });
        if (contentType.startsWith('multipart/form-data')) request.parts = await parseForm(bytes, contentType);
        else if (contentType.startsWith('application/json')) request.json = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
        requests.push(request);
        const answer = typeof responder === 'function' ? responder(request) : responder;
        if (answer.kind === 'json') {
          res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
          res.end(JSON.stringify(answer.body));
        } else {
          await writeEvents(res, request, answer);
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    respond(next) {
      responder = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** OpenAI's stream events for a generation (or, with kind 'image_edit', an edit): partials 0..n-1, then completed. */
export function openaiStreamEvents(partials: number, options: { kind?: 'image_generation' | 'image_edit'; delayMs?: number; firstDelayMs?: number } = {}): StreamEvent[] {
  const kind = options.kind ?? 'image_generation';
  const common = { created_at: 1700000000, size: '1024x1024', quality: 'low', background: 'opaque', output_format: 'png' };
  const events: StreamEvent[] = [];
  for (let index = 0; index < partials; index++) {
    events.push({
      data: { type: `${kind}.partial_image`, b64_json: Buffer.from(`partial ${index}`).toString('base64'), partial_image_index: index, ...common },
      delayMs: index === 0 ? options.firstDelayMs : options.delayMs,
    });
  }
  events.push({
    data: {
      type: `${kind}.completed`,
      b64_json: Buffer.from('final image').toString('base64'),
      ...common,
      usage: { input_tokens: 50, output_tokens: 272, total_tokens: 322, input_tokens_details: { text_tokens: 50, image_tokens: 0 } },
    },
    delayMs: partials === 0 ? options.firstDelayMs : options.delayMs,
  });
  return events;
}
