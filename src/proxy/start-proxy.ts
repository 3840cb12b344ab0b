// Starts the proxy on a loaded config: router, server, listen, and a graceful stop on SIGTERM/SIGINT.
import closeWithGrace from 'close-with-grace';
import { closeUpstreamConnections } from '../http/transport.js';
import { batchedStdout } from './log-destination.js';
import type { FastifyInstance } from 'fastify';
import { pino, type Level } from 'pino';
import type { LoadedConfig } from '../config/load-config.js';
import { Router } from '../router/router.js';
import { ConnectionDrain } from './drain-connections.js';
import { buildProxy, DEFAULT_CLIENT_TIMEOUTS, DEFAULT_MAX_REQUEST_SIZE_MB } from './server.js';

/** How long, during shutdown, a connection without a request in progress stays open for one to arrive. */
const DRAIN_IDLE_MS = 1000;

export interface StartProxyOptions {
  loaded: LoadedConfig;
  port: number;
  host: string;
  logLevel: Level;
  /** Seconds in-flight requests get to finish after SIGTERM/SIGINT. */
  graceSeconds: number;
}

export async function startProxy(options: StartProxyOptions): Promise<{ app: FastifyInstance; url: string }> {
  const { config, env, warnings, source } = options.loaded;
  const logger = pino(
    {
      level: options.logLevel,
      base: { service: 'imagegate' },
    },
    batchedStdout(),
  );
  const general = config.general_settings ?? {};
  const masterKey = general.master_key ?? (env['IMAGEGATE_MASTER_KEY'] || undefined);
  const router = new Router(config, { env });
  const health = { draining: false };
  const app = buildProxy({
    router,
    logger,
    masterKey,
    allowClientSideCredentials: general.allow_client_side_credentials === true,
    maxRequestSizeMb: general.max_request_size_mb ?? DEFAULT_MAX_REQUEST_SIZE_MB,
    clientTimeouts: {
      headerSeconds: general.client_header_timeout_seconds ?? DEFAULT_CLIENT_TIMEOUTS.headerSeconds,
      requestSeconds: general.client_request_timeout_seconds ?? DEFAULT_CLIENT_TIMEOUTS.requestSeconds,
      keepAliveSeconds: general.client_keep_alive_timeout_seconds ?? DEFAULT_CLIENT_TIMEOUTS.keepAliveSeconds,
    },
    health,
    startedAtSeconds: Math.floor(Date.now() / 1000),
  });
  const connections = new ConnectionDrain(app.server);
  for (const warning of warnings) logger.warn({ config: source }, warning);
  const url = await app.listen({ port: options.port, host: options.host });
  if (masterKey === undefined) {
    logger.warn(
      { url },
      `NO MASTER KEY: this proxy is open. Anyone who can reach ${url} can generate images on the configured credentials. ` +
        'Set general_settings.master_key in the config or IMAGEGATE_MASTER_KEY.',
    );
  }
  logger.info({ url, config: source, model_groups: router.modelGroups() }, `imagegate proxy listening on ${url}`);
  closeWithGrace({ delay: options.graceSeconds * 1000, logger }, async ({ signal, err }) => {
    health.draining = true;
    if (err !== undefined) logger.error({ err }, 'stopping after an unexpected error');
    else logger.info({ signal }, 'shutting down: finishing requests in flight');
    // Every open connection closes after its answer (each carries Connection: close now); an idle one gets a moment
    // for a request its client may already have sent (answered 503), then is closed.
    await connections.drain(Math.min(DRAIN_IDLE_MS, options.graceSeconds * 500));
    await app.close();
    await closeUpstreamConnections();
    logger.info('stopped');
  });
  return { app, url };
}
