// A streamed generation or edit, answered as OpenAI does: text/event-stream, one `event: <type>` / `data: <json>`
// message per event, written as it arrives (no buffering, backpressure respected). An error after the stream
// started is one `event: error` message (openai-node throws it as an APIError); a client that leaves aborts the
// upstream request.
import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ImageStream, StreamSummary } from '../../stream/image-stream.js';
import { errorReply } from '../error-reply.js';
import { CLIENT_CLOSED_REQUEST } from '../request-context.js';
import { logRequest } from '../request-log.js';

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

/** Resolves when the socket can take more (drain) or will never take more (close). */
export function writable(raw: ServerResponse): Promise<void> {
  if (raw.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      raw.off('drain', done);
      raw.off('close', done);
      resolve();
    };
    raw.on('drain', done);
    raw.on('close', done);
  });
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

  let failure: unknown;
  try {
    for await (const event of stream) {
      if (clientLeft) break;
      if (!raw.write(sseMessage(event.type, event))) await writable(raw);
    }
  } catch (error) {
    failure = error;
  }
  const summary = await stream.summary.then(
    (value): StreamSummary | undefined => value,
    (error: unknown) => {
      failure ??= error;
      return undefined;
    },
  );
  if (clientLeft || raw.destroyed) {
    context.status = CLIENT_CLOSED_REQUEST;
    context.error = { type: 'client_closed_request', code: null, message: 'The client closed the connection before the stream ended.' };
  } else if (failure !== undefined || summary === undefined) {
    const { status, body } = errorReply(failure, options.maxRequestSizeMb);
    if (status >= 500 && body.error.code === 'internal_error') request.log.error({ err: failure, call_id: request.id }, 'internal error');
    context.status = status;
    context.error = { type: body.error.type, code: body.error.code, message: body.error.message };
    raw.write(sseMessage('error', { type: 'error', error: body.error }));
  } else {
    context.images = summary.images;
    context.responseCost = typeof summary.response_cost === 'number' && Number.isFinite(summary.response_cost) ? summary.response_cost : null;
  }
  options.onEnd();
  raw.off('close', onClose);
  if (raw.destroyed) {
    // fastify runs no onResponse hook for a response that never finished.
    logRequest(request, reply);
    return;
  }
  raw.end();
}
