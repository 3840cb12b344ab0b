// The proxy under fuzzing, in this process: the real Router on a LiteLLM-style config (offline mock groups plus one
// OpenAI deployment on a loopback upstream), the real fastify app, a pino logger whose every line goes to the test,
// listening on 127.0.0.1 with a free port.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { pino, type Level } from 'pino';
import { configFromObject } from '../../src/config/check-config.js';
import { Router } from '../../src/router/router.js';
import { buildProxy } from '../../src/proxy/server.js';
import { startFuzzUpstream, type FuzzUpstream } from './fuzz-upstream.js';

/** Model groups of the fuzz config: `mock-images` (mock/image-1), `mock-square` (mock/square-1), `openai-images` (the upstream). */
export const MODEL_GROUPS = ['mock-images', 'mock-square', 'openai-images'] as const;
/** The body limit of the fuzzed proxy: small, so oversized bodies are cheap to send. */
export const MAX_REQUEST_SIZE_MB = 1;
export const CONFIGURED_NUM_RETRIES = 1;

export interface FuzzProxy {
  app: FastifyInstance;
  host: string;
  port: number;
  /** http://127.0.0.1:<port> */
  url: string;
  masterKey: string;
  /** The configured credentials, by name: none of them may appear in anything the proxy says or logs. */
  secrets: Record<string, string>;
  upstream: FuzzUpstream;
  close(): Promise<void>;
}

export interface FuzzProxyOptions {
  logLevel: Level;
  /** Told every log line as pino writes it. */
  onLog: (line: string) => void;
}

export async function startFuzzProxy(options: FuzzProxyOptions): Promise<FuzzProxy> {
  // Unique per run, and long enough that a hit is never a coincidence.
  const masterKey = `sk-fuzz-master-${randomBytes(18).toString('hex')}`;
  const upstreamKey = `sk-fuzz-upstream-${randomBytes(18).toString('hex')}`;
  const upstream = await startFuzzUpstream(upstreamKey);
  const loaded = configFromObject(
    {
      model_list: [
        { model_name: 'mock-images', litellm_params: { model: 'mock/image-1' } },
        { model_name: 'mock-square', litellm_params: { model: 'mock/square-1' } },
        { model_name: 'openai-images', litellm_params: { model: 'openai/gpt-image-1', api_base: upstream.apiBase, api_key: upstreamKey } },
      ],
      router_settings: { num_retries: CONFIGURED_NUM_RETRIES, cooldown_time: 0 },
      general_settings: { master_key: masterKey, max_request_size_mb: MAX_REQUEST_SIZE_MB },
    },
    { env: {}, source: 'fuzz config' },
  );
  const logger = pino({ level: options.logLevel, base: { service: 'imagegate' } }, { write: options.onLog });
  const router = new Router(loaded.config, { env: loaded.env });
  const app = buildProxy({
    router,
    logger,
    masterKey,
    allowClientSideCredentials: false,
    maxRequestSizeMb: MAX_REQUEST_SIZE_MB,
    health: { draining: false },
    startedAtSeconds: Math.floor(Date.now() / 1000),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy did not listen on a TCP port');
  return {
    app,
    host: '127.0.0.1',
    port: address.port,
    url: `http://127.0.0.1:${address.port}`,
    masterKey,
    secrets: { 'master key': masterKey, 'upstream api key': upstreamKey },
    upstream,
    close: async () => {
      await app.close();
      await upstream.close();
    },
  };
}
