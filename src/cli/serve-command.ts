// imagegate [--config config.yaml] [--port 4000] [--host 127.0.0.1] [--log-level info]: the proxy.
import { parseArgs } from 'node:util';
import type { Level } from 'pino';
import { ConfigError } from '../config/config-error.js';
import { defaultConfig } from '../config/default-config.js';
import { loadConfigFile } from '../config/load-config.js';
import { startProxy } from '../proxy/start-proxy.js';
import { version } from '../version.js';
import { usage } from './usage.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

function integerOption(name: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max)
    throw new ConfigError(`--${name} must be a whole number from ${min} to ${max} (got "${raw}").`);
  return value;
}

export async function runServe(argv: string[]): Promise<number | undefined> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c' },
      port: { type: 'string', short: 'p', default: '4000' },
      host: { type: 'string', default: '127.0.0.1' },
      'log-level': { type: 'string', default: 'info' },
      'grace-period': { type: 'string', default: '30' },
      // `imagegate --config c.yaml --help` and `imagegate serve --help` print, like `imagegate --help`.
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  if (values.help === true) {
    process.stdout.write(usage);
    return 0;
  }
  if (values.version === true) {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  const logLevel = values['log-level']!;
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`--log-level must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}").`);
  const loaded = values.config === undefined ? defaultConfig(process.env) : await loadConfigFile(values.config, process.env);
  await startProxy({
    loaded,
    port: integerOption('port', values.port!, 0, 65535),
    host: values.host!,
    logLevel: logLevel as Level,
    graceSeconds: integerOption('grace-period', values['grace-period']!, 1, 3600),
  });
  // The server keeps the process alive; it exits through the shutdown handler.
  return undefined;
}
