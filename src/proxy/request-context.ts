// What the proxy learns about one request while serving it: for the x-imagegate-* headers and the log line.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RoutingInfo } from '../errors/classes.js';

export interface RequestContext {
  startedAt: number;
  upstreamMs: number;
  /** Time the router spent waiting before retries: neither upstream time nor imagegate's own overhead. */
  backoffMs: number;
  routing: RoutingInfo | undefined;
  error: { type: string; code: string | null; message: string } | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    imagegate: RequestContext;
  }
}

export function newRequestContext(): RequestContext {
  return {
    startedAt: performance.now(),
    upstreamMs: 0,
    backoffMs: 0,
    routing: undefined,
    error: undefined,
  };
}

export function setImagegateHeaders(request: FastifyRequest, reply: FastifyReply): void {
  const context = request.imagegate;
  const totalMs = performance.now() - context.startedAt;
  const headers: Record<string, string> = {
    'x-imagegate-call-id': String(request.id),
    'x-imagegate-response-duration-ms': String(Math.round(totalMs)),
    'x-imagegate-overhead-duration-ms': String(Math.max(0, Math.round(totalMs - context.upstreamMs - context.backoffMs))),
  };
  const routing = context.routing;
  if (routing !== undefined) {
    if (routing.model_id !== null) headers['x-imagegate-model-id'] = routing.model_id;
    if (routing.provider !== null) headers['x-imagegate-provider'] = routing.provider;
    headers['x-imagegate-attempted-retries'] = String(routing.attempted_retries);
    headers['x-imagegate-attempted-fallbacks'] = String(routing.attempted_fallbacks);
  }
  reply.headers(headers);
}
