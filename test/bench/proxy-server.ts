// The built proxy (the CLI in dist/, or IMAGEGATE_BUILT_CLI) in its own process, for the bench. It picks the port
// itself and waits for /health/readiness instead of reading the "listening" log line (not printed at warn).
// At info the one JSON line per request goes to a file, as operators' log collectors take stdout; at warn stdout
// stays nearly empty. stderr (and stdout at warn) are kept for error messages.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { freePort } from '../helpers/free-port.js';
import { builtCli, isolatedEnv, writeConfig } from '../helpers/proxy-process.js';

export interface BenchProxy {
  url: string;
  pid: number;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
  /** Last output lines (stderr, and stdout when not logged to a file), for error messages. */
  output(): string;
}

export interface BenchProxyOptions {
  logLevel?: 'warn' | 'info';
  /** Where stdout (the JSON log) goes; default: piped and kept (last 8 KB) with stderr. */
  logFile?: string;
  startTimeoutMs?: number;
  /** node flags before the CLI, e.g. --cpu-prof. */
  nodeArgs?: string[];
}

/** Every proxy process started and not yet exited, including one still starting. */
const live = new Set<ChildProcess>();

/** SIGTERM to every proxy process still running (SIGKILL after 10 s), e.g. on Ctrl-C while one is still starting. */
export async function stopBenchProxies(): Promise<void> {
  await Promise.all(
    [...live].map(async (child) => {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }),
  );
}

export async function startBenchProxy(config: string, options: BenchProxyOptions = {}): Promise<BenchProxy> {
  const startTimeoutMs = options.startTimeoutMs ?? 15_000;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = [
    ...(options.nodeArgs ?? []),
    builtCli,
    '--config',
    writeConfig(config),
    '--port',
    String(port),
    '--host',
    '127.0.0.1',
    '--log-level',
    options.logLevel ?? 'warn',
  ];
  const logFd = options.logFile === undefined ? undefined : openSync(options.logFile, 'w');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, args, { env: isolatedEnv(), stdio: ['ignore', logFd ?? 'pipe', 'pipe'] });
  } finally {
    if (logFd !== undefined) closeSync(logFd); // the child holds its own copy
  }
  live.add(child);
  child.once('exit', () => live.delete(child));
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8_000));
  child.stdout?.on('data', keep);
  child.stderr!.on('data', keep);
  child.once('error', (error) => keep(Buffer.from(`\n${String(error)}\n`)));
  const exited = once(child, 'exit').then(([code]) => code as number | null);

  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`proxy exited (${child.exitCode ?? child.signalCode}) before it was ready\n${output}`);
    const ready = await fetch(`${url}/health/readiness`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`proxy not ready within ${startTimeoutMs} ms\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  return {
    url,
    pid: child.pid!,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
