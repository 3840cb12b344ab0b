// What the proxy learns about one request while serving it: for the x-imagegate-* headers and the log line.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RoutingInfo } from '../errors/classes.js';
import { formatUsd } from './spend-ledger.js';

/** The status recorded for a request whose client disconnected before its answer ended (nginx's convention). */
export const CLIENT_CLOSED_REQUEST = 499;

export interface RequestContext {
  startedAt: number;
  upstreamMs: number;
  /** Time the router spent waiting before retries: neither upstream time nor imagegate's own overhead. */
  backoffMs: number;
  routing: RoutingInfo | undefined;
  /** Provider HTTP calls made for this request (each reported its duration). */
  upstreamCalls: number;
  /** Set on a successful generation: its USD cost, or null when the price is unknown. */
  responseCost: number | null | undefined;
  /** Set on a successful generation: the images it returned. */
  images: number | undefined;
  /** Counted in /metrics and /spend already. */
  recorded: boolean;
  /** Its log line written already. */
  logged: boolean;
  /**
   * The status to record when it differs from the HTTP status: a stream that failed after its 200 headers went out
   * (the error's status), a client that left before the end (499).
   */
  status: number | undefined;
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
    upstreamCalls: 0,
    responseCost: undefined,
    images: undefined,
    recorded: false,
    logged: false,
    status: undefined,
    error: undefined,
  };
}

/** A cost as the proxy records it: USD when known and finite, else null (unknown price). */
export function knownCost(cost: number | null | undefined): number | null {
  return typeof cost === 'number' && Number.isFinite(cost) ? cost : null;
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
  if (typeof context.responseCost === 'number' && Number.isFinite(context.responseCost))
    headers['x-imagegate-response-cost'] = formatUsd(context.responseCost);
  reply.headers(headers);
}
