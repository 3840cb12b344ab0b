// The limits on slow clients (general_settings.client_*_timeout_seconds): checked in the config, and what the HTTP
// server under the proxy ends up with. How they hold up against real slow clients: test/soak/slowloris.test.ts.
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { parseConfig } from '../../src/config/load-config.js';
import { buildProxy, DEFAULT_CLIENT_TIMEOUTS, type ClientTimeouts } from '../../src/proxy/server.js';
import { Router } from '../../src/router/router.js';

const apps: ReturnType<typeof buildProxy>[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function serverOf(clientTimeouts?: Partial<ClientTimeouts>) {
  const app = buildProxy({
    router: new Router({ model_list: [{ model_name: 'otter', litellm_params: { model: 'mock/image-1' } }] }),
    logger: pino({ level: 'silent' }),
    masterKey: undefined,
    allowClientSideCredentials: false,
    maxRequestSizeMb: 1,
    health: { draining: false },
    startedAtSeconds: 0,
    ...(clientTimeouts === undefined ? {} : { clientTimeouts }),
  });
  apps.push(app);
  await app.ready();
  return app.server;
}

const config = (general: string) => `
model_list:
  - model_name: otter
    litellm_params: { model: mock/image-1 }
general_settings: { ${general} }
`;

describe('client timeouts', () => {
  it('default to 10 s for the headers, 60 s for the whole request and 72 s of keep-alive', async () => {
    expect(DEFAULT_CLIENT_TIMEOUTS).toEqual({ headerSeconds: 10, requestSeconds: 60, keepAliveSeconds: 72 });
    const server = await serverOf();
    expect(server.headersTimeout).toBe(10_000);
    expect(server.requestTimeout).toBe(60_000);
    expect(server.keepAliveTimeout).toBe(72_000);
    // No idle-socket timeout: a generation may take minutes with nothing on the wire.
    expect(server.timeout).toBe(0);
  });

  it('take the configured values, fractions of a second included', async () => {
    const server = await serverOf({ headerSeconds: 2.5, requestSeconds: 30, keepAliveSeconds: 5 });
    expect(server.headersTimeout).toBe(2_500);
    expect(server.requestTimeout).toBe(30_000);
    expect(server.keepAliveTimeout).toBe(5_000);
  });

  it('never give the headers longer than the whole request (node would refuse to start)', async () => {
    const server = await serverOf({ headerSeconds: 30, requestSeconds: 5 });
    expect(server.headersTimeout).toBe(5_000);
    expect(server.requestTimeout).toBe(5_000);
  });

  it('are read from general_settings', () => {
    const loaded = parseConfig(
      config('client_header_timeout_seconds: 5, client_request_timeout_seconds: 120, client_keep_alive_timeout_seconds: 65'),
      {
        env: {},
        source: 'config.yaml',
      },
    );
    expect(loaded.warnings).toEqual([]);
    expect(loaded.config.general_settings).toEqual({
      client_header_timeout_seconds: 5,
      client_request_timeout_seconds: 120,
      client_keep_alive_timeout_seconds: 65,
    });
  });

  it.each([
    ['client_header_timeout_seconds: 0', 'general_settings.client_header_timeout_seconds'],
    ['client_request_timeout_seconds: -1', 'general_settings.client_request_timeout_seconds'],
    ['client_keep_alive_timeout_seconds: "72"', 'general_settings.client_keep_alive_timeout_seconds'],
    ['client_header_timeout_seconds: 3601', 'general_settings.client_header_timeout_seconds'],
  ])('are refused when out of range or not a number: %s', (entry, key) => {
    let error: unknown;
    try {
      parseConfig(config(entry), { env: {}, source: 'config.yaml' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(key);
  });
});
