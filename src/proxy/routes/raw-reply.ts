// A large answer written as the bytes the SDK prepared (see RawImageAnswer), with backpressure. Its status and
// headers go out first; a failure found later (an upstream that broke off, an answer that turned out malformed)
// can only cut the body short, so the client never takes a partial answer for a whole one. The request is then
// recorded with the error's status, like a stream that failed after its first event.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RawImageAnswer } from '../../response/raw-answer.js';
import { knownCost, setImagegateHeaders } from '../request-context.js';
import { logRequest } from '../request-log.js';
import { recordAnswerEnd, writeEach } from './answer-end.js';
import type { StreamReplyOptions } from './stream-reply.js';

export async function rawReply(request: FastifyRequest, reply: FastifyReply, answer: RawImageAnswer, options: StreamReplyOptions): Promise<void> {
  const context = request.imagegate;
  if (answer.precomputed) {
    // Known before the first byte: the answer carries its cost header like any other.
    const summary = await answer.summary;
    context.images = summary.images;
    context.responseCost = knownCost(summary.response_cost);
  }
  setImagegateHeaders(request, reply);
  const raw = reply.raw;
  reply.hijack();
  let clientLeft = raw.destroyed;
  const onClose = () => {
    if (!raw.writableFinished) clientLeft = true;
  };
  raw.on('close', onClose);
  const headers: Record<string, string | number> = {
    ...(reply.getHeaders() as Record<string, string>),
    'content-type': 'application/json; charset=utf-8',
  };
  if (answer.contentLength !== undefined) headers['content-length'] = answer.contentLength;
  if (!clientLeft) raw.writeHead(200, headers);

  const failure = await writeEach(
    raw,
    answer,
    (piece) => piece,
    () => clientLeft,
  );
  raw.off('close', onClose);
  const error = await recordAnswerEnd(request, { clientLeft, failure, summary: answer.summary }, options.maxRequestSizeMb);
  // The headers said 200: a failure can only cut the body short.
  if (error !== undefined) raw.destroy();
  options.onEnd();
  if (raw.destroyed) {
    // fastify runs no onResponse hook for a response that never finished.
    logRequest(request, reply);
    return;
  }
  raw.end();
}
