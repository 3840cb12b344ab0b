// A local OpenAI-shaped upstream that answers stream requests with server-sent events spaced in time, and
// records when each event was written and whether the client went away.
import { createServer, type Server } from 'node:http';

export interface SseEvent {
  event: string;
  data: unknown;
}

export interface SseUpstream {
  url: string;
  /** Per request: when each event was written (performance.now()), and whether the request closed before the end. */
  requests: { body: string; sentAt: number[]; closedEarly: boolean }[];
  next(answer: { status?: number; events?: SseEvent[]; json?: unknown; gapMs?: number }): void;
  close(): Promise<void>;
}

export function imageEvents(kind: 'image_generation' | 'image_edit', partials: number, b64 = 'aGVsbG8='): SseEvent[] {
  const base = { b64_json: b64, created_at: 1700000000, size: '1024x1024', quality: 'low', background: 'opaque', output_format: 'png' };
  const events: SseEvent[] = Array.from({ length: partials }, (_, index) => ({
    event: `${kind}.partial_image`,
    data: { type: `${kind}.partial_image`, ...base, partial_image_index: index },
  }));
  const usage = { input_tokens: 10, output_tokens: 100, total_tokens: 110, input_tokens_details: { text_tokens: 10, image_tokens: 0 } };
  events.push({ event: `${kind}.completed`, data: { type: `${kind}.completed`, ...base, usage } });
  return events;
}

export async function startSseUpstream(): Promise<SseUpstream> {
  const requests: SseUpstream['requests'] = [];
  let answer: { status?: number; events?: SseEvent[]; json?: unknown; gapMs?: number } = { events: imageEvents('image_generation', 2) };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const record = { body: Buffer.concat(chunks).toString('utf8'), sentAt: [] as number[], closedEarly: false };
      requests.push(record);
      const current = answer;
      if (current.json !== undefined || current.status !== undefined) {
        res.writeHead(current.status ?? 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(current.json ?? {}));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const events = current.events ?? [];
      let index = 0;
      let timer: NodeJS.Timeout | undefined;
      res.on('close', () => {
        if (index < events.length) record.closedEarly = true;
        clearTimeout(timer);
      });
      const send = () => {
        const event = events[index++]!;
        res.write(`event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`);
        record.sentAt.push(performance.now());
        if (index < events.length) timer = setTimeout(send, current.gapMs ?? 0);
        else res.end();
      };
      send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    next(next) {
      answer = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
