// One JSON log line per request: who was called and how it went. Never a credential, a prompt or image data.
import type { FastifyReply, FastifyRequest } from 'fastify';

const QUIET_PATHS = new Set(['/health/liveliness', '/health/readiness']);

export function logRequest(request: FastifyRequest, reply: FastifyReply): void {
  // Null only when a request failed before the onRequest hook gave it a context.
  const context = request.imagegate ?? null;
  // A stream that ends after its client left is logged by the stream, not by fastify's onResponse: once only.
  if (context !== null) {
    if (context.logged) return;
    context.logged = true;
  }
  const routing = context?.routing;
  const path = request.url.split('?')[0]!;
  const timing =
    context === null
      ? {}
      : {
          duration_ms: Math.round(performance.now() - context.startedAt),
          upstream_ms: Math.round(context.upstreamMs),
          backoff_ms: Math.round(context.backoffMs),
        };
  const line = {
    call_id: request.id,
    method: request.method,
    path,
    status: context?.status ?? reply.statusCode,
    ...timing,
    model_group: routing?.model_group,
    deployment_id: routing?.model_id ?? undefined,
    provider: routing?.provider ?? undefined,
    retries: routing?.attempted_retries,
    fallbacks: routing?.attempted_fallbacks,
    error: context?.error,
  };
  if (QUIET_PATHS.has(path)) request.log.debug(line, 'request');
  else request.log.info(line, 'request');
}
