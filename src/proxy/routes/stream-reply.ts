// A streamed generation or edit, answered as OpenAI does: text/event-stream, one `event: <type>` / `data: <json>`
// message per event, written as it arrives (no buffering, backpressure respected). An error after the stream
// started is one `event: error` message (openai-node throws it as an APIError); a client that leaves aborts the
// upstream request.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ImageStream } from '../../stream/image-stream.js';
import { logRequest } from '../request-log.js';
import { recordAnswerEnd, writeEach } from './answer-end.js';

export interface StreamReplyOptions {
  /** For the error envelope of an error after the stream started. */
  maxRequestSizeMb: number;
  /** Told once, when the stream has ended (completed, failed or abandoned), with request.imagegate up to date. */
  onEnd: () => void;
}

const STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
};

/** One server-sent event. JSON.stringify escapes newlines, so `data` is always a single line. */
export function sseMessage(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * Writes the stream to the client, then records how it ended in request.imagegate (routing, images, cost, error,
 * status) before the log line and the metrics see it. Never throws: the headers are out once it starts.
 */
export async function streamReply(request: FastifyRequest, reply: FastifyReply, stream: ImageStream, options: StreamReplyOptions): Promise<void> {
  const context = request.imagegate;
  const raw = reply.raw;
  reply.hijack();
  let clientLeft = false;
  const onClose = () => {
    if (raw.writableFinished) return;
    clientLeft = true;
    stream.abort();
  };
  raw.on('close', onClose);
  // The client may have left while the stream was being set up (its 'close' already fired).
  if (raw.destroyed) onClose();
  // The x-imagegate-* headers set by the caller, then the stream's own; sent now, before the first event.
  if (!clientLeft) {
    raw.writeHead(200, { ...(reply.getHeaders() as Record<string, string>), ...STREAM_HEADERS });
    raw.flushHeaders();
  }

  const failure = await writeEach(raw, stream, (event) => sseMessage(event.type, event), () => clientLeft);
  const error = await recordAnswerEnd(request, { clientLeft: clientLeft || raw.destroyed, failure, summary: stream.summary }, options.maxRequestSizeMb);
  if (error !== undefined) raw.write(sseMessage('error', { type: 'error', error }));
  options.onEnd();
  raw.off('close', onClose);
  if (raw.destroyed) {
    // fastify runs no onResponse hook for a response that never finished.
    logRequest(request, reply);
    return;
  }
  raw.end();
}
