#!/usr/bin/env node
// imagegate CLI entry point: the proxy (default) or one generation.
import { ConfigError } from '../config/config-error.js';
import { ImagegateError } from '../errors/classes.js';
import { version } from '../version.js';
import { usage } from './usage.js';

async function main(argv: string[]): Promise<number | undefined> {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(usage);
    return 0;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  // Each command loads only what it needs: a one-off generation never loads the server's dependencies.
  if (command === 'generate') return (await import('./generate-command.js')).runGenerate(rest);
  if (command === 'models') return (await import('./models-command.js')).runModels(rest);
  if (command === undefined || command.startsWith('-')) return (await import('./serve-command.js')).runServe(argv);
  if (command === 'serve' || command === 'proxy') return (await import('./serve-command.js')).runServe(rest);
  process.stderr.write(`imagegate: unknown command "${command}"\n\n${usage}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (error: unknown) => {
    const message =
      error instanceof ImagegateError ? `${error.name}: ${error.message}` : error instanceof ConfigError || error instanceof Error ? error.message : String(error);
    process.stderr.write(`imagegate: ${message}\n`);
    process.exitCode = 1;
  },
);
