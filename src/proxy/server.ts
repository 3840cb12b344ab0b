// The proxy app: fastify with the OpenAI-compatible routes, key check, error envelope and one log line per request.
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Router } from '../router/router.js';
import { envelope, errorReply } from './error-reply.js';
import { createKeyCheck } from './master-key.js';
import { ProxyMetrics, recordImageRequest } from './metrics.js';
import { CLIENT_CLOSED_REQUEST, newRequestContext, setImagegateHeaders } from './request-context.js';
import { logRequest } from './request-log.js';
import { registerHealthRoutes, type HealthState } from './routes/health.js';
import { registerImageEditRoutes } from './routes/image-edits.js';
import { registerImageGenerationRoutes } from './routes/image-generations.js';
import { registerMetricsRoutes } from './routes/metrics.js';
import { registerModelRoutes } from './routes/models.js';
import { registerSpendRoutes } from './routes/spend.js';
import { SpendLedger } from './spend-ledger.js';

export interface ProxyOptions {
  router: Router;
  logger: FastifyBaseLogger;
  masterKey: string | undefined;
  allowClientSideCredentials: boolean;
  maxRequestSizeMb: number;
  health: HealthState;
  /** Unix seconds reported as the models' `created`. */
  startedAtSeconds: number;
  /** Prometheus metrics served at /metrics (default: a new registry, with process metrics). */
  metrics?: ProxyMetrics;
  /** Spend since start served at /spend (default: a new ledger). */
  spend?: SpendLedger;
}

const UNAUTHENTICATED = new Set(['/health/liveliness', '/health/readiness']);

export const DEFAULT_MAX_REQUEST_SIZE_MB = 10;

export function buildProxy(options: ProxyOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: Math.floor(options.maxRequestSizeMb * 1024 * 1024),
    genReqId: () => randomUUID(),
    forceCloseConnections: 'idle',
    // Draining is answered by our own hook below, in the OpenAI error shape.
    return503OnClosing: false,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
  });
  // Only JSON bodies: fastify's built-in text/plain parser would hand a string to the routes (a 400) where
  // any other non-JSON content type gets 415.
  app.removeContentTypeParser('text/plain');
  const keyMatches = options.masterKey === undefined ? undefined : createKeyCheck(options.masterKey);
  const metrics = options.metrics ?? new ProxyMetrics({ processMetrics: true });
  const spend = options.spend ?? new SpendLedger(deploymentGroups(options.router));

  app.decorateRequest('imagegate', null as never);
  app.addHook('onRequest', async (request, reply) => {
    request.imagegate = newRequestContext();
    const path = request.url.split('?')[0]!;
    if (options.health.draining && path !== '/health/liveliness' && path !== '/health/readiness') {
      const { status, body } = envelope(503, 'The proxy is shutting down; retry against another instance.', 'shutting_down');
      request.imagegate.error = { type: body.error.type, code: body.error.code, message: body.error.message };
      setImagegateHeaders(request, reply);
      await reply.code(status).header('retry-after', '1').send(body);
      return;
    }
    if (keyMatches === undefined || UNAUTHENTICATED.has(path) || keyMatches(request.headers)) return;
    const { status, body } = envelope(
      401,
      'Missing or wrong proxy key: send it as Authorization: Bearer <key> (or an api-key / x-api-key header).',
      'invalid_api_key',
    );
    setImagegateHeaders(request, reply);
    request.imagegate.error = {
      type: body.error.type,
      code: body.error.code,
      message: body.error.message,
    };
    await reply.code(status).send(body);
  });
  // While draining, every answer closes its connection, so keep-alive clients cannot hold the shutdown open.
  app.addHook('onSend', async (_request, reply) => {
    if (options.health.draining) reply.header('connection', 'close');
  });
  app.addHook('onResponse', async (request, reply) => logRequest(request, reply));

  app.setErrorHandler(async (error, request, reply) => {
    const { status, body, headers } = errorReply(error, options.maxRequestSizeMb);
    request.imagegate ??= newRequestContext();
    request.imagegate.error = {
      type: body.error.type,
      code: body.error.code,
      message: body.error.message,
    };
    if (status >= 500 && body.error.code === 'internal_error') request.log.error({ err: error, call_id: request.id }, 'internal error');
    setImagegateHeaders(request, reply);
    return reply.code(status).headers(headers).send(body);
  });
  app.setNotFoundHandler(async (request, reply) => {
    const { status, body } = envelope(
      404,
      `No route ${request.method} ${request.url.split('?')[0]}: imagegate serves POST /v1/images/generations, POST /v1/images/edits, GET /v1/models, /spend, /metrics and /health/*.`,
      'route_not_found',
    );
    request.imagegate.error = {
      type: body.error.type,
      code: body.error.code,
      message: body.error.message,
    };
    setImagegateHeaders(request, reply);
    return reply.code(status).send(body);
  });

  registerHealthRoutes(app, options.health, options.router.modelGroups().length);
  registerModelRoutes(app, options.router, options.startedAtSeconds);
  const imageRoutes = {
    router: options.router,
    allowClientSideCredentials: options.allowClientSideCredentials,
    maxRequestSizeMb: options.maxRequestSizeMb,
    // Image traffic, failures included, is counted as its answer goes out: from the same context as its x-imagegate-*
    // headers, before the client can read /spend, and also for a client that already left (fastify has no onResponse
    // then). A stream is counted when it ends, with the status it ended with.
    onAnswer: (request: FastifyRequest, reply: FastifyReply, route: string) => {
      const context = request.imagegate;
      if (context) {
        const status = context.status ?? (reply.raw.destroyed ? CLIENT_CLOSED_REQUEST : reply.statusCode);
        recordImageRequest(context, route, status, metrics, spend);
      }
    },
  };
  registerImageGenerationRoutes(app, imageRoutes);
  registerImageEditRoutes(app, imageRoutes);
  registerSpendRoutes(app, spend);
  registerMetricsRoutes(app, metrics);
  return app;
}

/** deployment id -> the model group it belongs to, for /spend. */
function deploymentGroups(router: Router): (deploymentId: string) => string | undefined {
  const groups = new Map<string, string>();
  for (const group of router.modelGroups()) for (const deployment of router.deployments(group)) groups.set(deployment.id, group);
  return (deploymentId) => groups.get(deploymentId);
}
