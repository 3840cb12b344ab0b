// One JSON log line per request: who was called and how it went. Never a credential, a prompt or image data.
import type { FastifyReply, FastifyRequest } from 'fastify';

const QUIET_PATHS = new Set(['/health/liveliness', '/health/readiness']);

export function logRequest(request: FastifyRequest, reply: FastifyReply): void {
  const context = request.imagegate;
  const path = request.url.split('?')[0]!;
  const line = {
    call_id: request.id,
    method: request.method,
    path,
    status: reply.statusCode,
    duration_ms: context === undefined || context === null ? undefined : Math.round(performance.now() - context.startedAt),
    upstream_ms: context === undefined || context === null ? undefined : Math.round(context.upstreamMs),
    backoff_ms: context === undefined || context === null ? undefined : Math.round(context.backoffMs),
    model_group: context?.routing?.model_group,
    deployment_id: context?.routing?.model_id ?? undefined,
    provider: context?.routing?.provider ?? undefined,
    retries: context?.routing?.attempted_retries,
    fallbacks: context?.routing?.attempted_fallbacks,
    error: context?.error,
  };
  if (QUIET_PATHS.has(path)) request.log.debug(line, 'request');
  else request.log.info(line, 'request');
}
