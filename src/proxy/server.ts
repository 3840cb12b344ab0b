// The proxy app: fastify with the OpenAI-compatible routes, key check, error envelope and one log line per request.
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Router } from '../router/router.js';
import { envelope, errorReply } from './error-reply.js';
import { createKeyCheck } from './master-key.js';
import { ProxyMetrics, recordImageRequest } from './metrics.js';
import { CLIENT_CLOSED_REQUEST, newRequestContext, setImagegateHeaders } from './request-context.js';
import { answerClientError, answerFrameworkError, answerUnknownExpectation } from './protocol-errors.js';
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
  /** Client connection limits (general_settings.client_*_timeout_seconds); each defaults to DEFAULT_CLIENT_TIMEOUTS. */
  clientTimeouts?: Partial<ClientTimeouts>;
}

/** Seconds a client connection may take, whatever it sends: what keeps slow clients (slowloris) from holding the proxy. */
export interface ClientTimeouts {
  /** To send a request's headers, from its first byte (or from connecting). Never more than requestSeconds. */
  headerSeconds: number;
  /** To send a whole request, headers and body. The proxy's own time to answer is not counted. */
  requestSeconds: number;
  /** An idle keep-alive connection waits this long for the next request. */
  keepAliveSeconds: number;
}

// Node's own headersTimeout is 60 s and fastify turns requestTimeout off, so a client trickling a body byte by byte
// could hold a connection forever. 72 s keep-alive (fastify's default) outlasts the 60 s idle timeout of common
// load balancers, so they never reuse a connection the proxy is closing.
export const DEFAULT_CLIENT_TIMEOUTS: ClientTimeouts = { headerSeconds: 10, requestSeconds: 60, keepAliveSeconds: 72 };

const UNAUTHENTICATED = new Set(['/health/liveliness', '/health/readiness']);

const REDACTED_LOG_PATHS = ['busboyOptions.headers.authorization', 'busboyOptions.headers["api-key"]', 'busboyOptions.headers["x-api-key"]', 'err.rawPacket'];

export const DEFAULT_MAX_REQUEST_SIZE_MB = 10;

export function buildProxy(options: ProxyOptions): FastifyInstance {
  const timeouts = { ...DEFAULT_CLIENT_TIMEOUTS, ...options.clientTimeouts };
  const requestTimeout = Math.max(1, Math.round(timeouts.requestSeconds * 1000));
  // node:http requires headersTimeout <= requestTimeout.
  const headersTimeout = Math.min(requestTimeout, Math.max(1, Math.round(timeouts.headerSeconds * 1000)));
  const app = Fastify({
    // At trace level fastify and @fastify/multipart log request headers and raw bytes: never the keys in them.
    loggerInstance: options.logger.child({}, { redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' } }),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: Math.floor(options.maxRequestSizeMb * 1024 * 1024),
    genReqId: () => randomUUID(),
    // Both timeouts are absolute (a client sending a byte now and then does not reset them); node checks them every
    // connectionsCheckingInterval (its default, 30 s, would let a 10 s limit run to 40 s). A late client gets 408 and is
    // disconnected. No idle-socket timeout (connectionTimeout): an image can take minutes with nothing on the wire.
    requestTimeout,
    keepAliveTimeout: Math.max(1, Math.round(timeouts.keepAliveSeconds * 1000)),
    // A request without Host (HTTP/1.0 style) is served rather than refused with Node's empty 400.
    http: { requireHostHeader: false, headersTimeout, requestTimeout, connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeout / 4))) },
    forceCloseConnections: 'idle',
    // Draining is answered by our own hook below, in the OpenAI error shape.
    return503OnClosing: false,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // Azure deployment names are short; a longer one is still answered (404 or 414) in the OpenAI envelope.
    routerOptions: { maxParamLength: 500 },
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
  });
  app.server.on('checkExpectation', answerUnknownExpectation);
  // Only JSON bodies: fastify's built-in text/plain parser would hand a string to the routes (a 400) where
  // any other non-JSON content type gets 415.
  app.removeContentTypeParser('text/plain');
  const keyMatches = options.masterKey === undefined ? undefined : createKeyCheck(options.masterKey);
  const metrics = options.metrics ?? new ProxyMetrics({ processMetrics: true });
  const spend = options.spend ?? new SpendLedger(deploymentGroups(options.router));

  app.decorateRequest('imagegate', null as never);
  // Hooks take callbacks, not async functions: every request runs them, and a promise per hook shows in the profile.
  app.addHook('onRequest', (request, reply, done) => {
    request.imagegate = newRequestContext();
    // fastify has no onResponse for a client that left before its answer: the request is logged as 499 here.
    reply.raw.once('close', () => {
      if (reply.raw.writableFinished || reply.raw.headersSent) return;
      request.imagegate.status ??= CLIENT_CLOSED_REQUEST;
      logRequest(request, reply);
    });
    const path = request.url.split('?')[0]!;
    if (options.health.draining && path !== '/health/liveliness' && path !== '/health/readiness') {
      const { status, body } = envelope(503, 'The proxy is shutting down; retry against another instance.', 'shutting_down');
      request.imagegate.error = { type: body.error.type, code: body.error.code, message: body.error.message };
      setImagegateHeaders(request, reply);
      reply.code(status).header('retry-after', '1').send(body);
      return;
    }
    if (keyMatches === undefined || UNAUTHENTICATED.has(path) || keyMatches(request.headers)) {
      done();
      return;
    }
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
    reply.code(status).send(body);
  });
  // While draining, every answer closes its connection, so keep-alive clients cannot hold the shutdown open.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (options.health.draining) reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('onResponse', (request, reply, done) => {
    logRequest(request, reply);
    done();
  });

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
