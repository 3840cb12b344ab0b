// What a stream and a streamed-through answer share once their 200 headers are out: writing with backpressure, and
// recording in request.imagegate how the answer ended (completed, failed, or left by its client) before the log
// line and the metrics see it.
import type { ServerResponse } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { errorReply, type ErrorReply } from '../error-reply.js';
import { CLIENT_CLOSED_REQUEST, knownCost } from '../request-context.js';

/** Resolves when the socket can take more (drain) or will never take more (close). */
function writable(raw: ServerResponse): Promise<void> {
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

/** Writes each item as it comes, until the items end or the client leaves; the error that ended them, if one did. */
export async function writeEach<T>(
  raw: ServerResponse,
  items: AsyncIterable<T>,
  encode: (item: T) => string | Buffer,
  clientLeft: () => boolean,
): Promise<unknown> {
  try {
    for await (const item of items) {
      if (clientLeft()) break;
      if (!raw.write(encode(item))) await writable(raw);
    }
    return undefined;
  } catch (error) {
    return error;
  }
}

export interface AnswerEnd<S> {
  clientLeft: boolean;
  failure: unknown;
  summary: Promise<S>;
}

/**
 * Records how the answer ended: 499 when its client left, the error's status when it failed, else its images and
 * cost. Returns the error envelope's body when it failed, for the caller to tell the client if it still can.
 */
export async function recordAnswerEnd<S extends { images: number; response_cost: number | null }>(
  request: FastifyRequest,
  end: AnswerEnd<S>,
  maxRequestSizeMb: number,
): Promise<ErrorReply['body']['error'] | undefined> {
  const context = request.imagegate;
  let failure = end.failure;
  const summary = await end.summary.then(
    (value): S | undefined => value,
    (error: unknown) => {
      failure ??= error;
      return undefined;
    },
  );
  if (end.clientLeft) {
    context.status = CLIENT_CLOSED_REQUEST;
    context.error = { type: 'client_closed_request', code: null, message: 'The client closed the connection before the answer ended.' };
    return undefined;
  }
  if (failure !== undefined || summary === undefined) {
    const { status, body } = errorReply(failure, maxRequestSizeMb);
    if (status >= 500 && body.error.code === 'internal_error') request.log.error({ err: failure, call_id: request.id }, 'internal error');
    context.status = status;
    context.error = { type: body.error.type, code: body.error.code, message: body.error.message };
    return body.error;
  }
  context.images = summary.images;
  context.responseCost = knownCost(summary.response_cost);
  return undefined;
}
