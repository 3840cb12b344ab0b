// The built proxy at --log-level warn, for the bench. At warn the "imagegate proxy listening" line (info) is not
// printed, so this picks the port itself and waits for /health/readiness instead of reading the log.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from '../helpers/free-port.js';
import { builtCli, isolatedEnv, writeConfig } from '../helpers/proxy-process.js';

export interface BenchProxy {
  url: string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
  /** Last output lines (stdout + stderr), for error messages. */
  output(): string;
}

export async function startBenchProxy(config: string, startTimeoutMs = 15_000): Promise<BenchProxy> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = [builtCli, '--config', writeConfig(config), '--port', String(port), '--host', '127.0.0.1', '--log-level', 'warn'];
  const child: ChildProcess = spawn(process.execPath, args, { env: isolatedEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = once(child, 'exit').then(([code]) => code as number | null);

  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`proxy exited (${child.exitCode ?? child.signalCode}) before it was ready\n${output}`);
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
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
