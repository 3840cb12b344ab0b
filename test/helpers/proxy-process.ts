// The proxy as operators run it: the built CLI (dist/) in its own process, on a free loopback port.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// IMAGEGATE_BUILT_CLI points the tests at another build (a private tsc --outDir), so a parallel `npm run build` cannot pull dist/ from under them.
export const builtCli = process.env['IMAGEGATE_BUILT_CLI'] ?? join(process.cwd(), 'dist', 'src', 'cli', 'main.js');

export interface ProxyProcess {
  /** http://127.0.0.1:<port> */
  url: string;
  child: ChildProcess;
  /** Parsed JSON log lines so far (stdout). */
  logs(): Record<string, unknown>[];
  stderr(): string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

export interface StartOptions {
  /** config.yaml text; omitted = no --config (the built-in default). */
  config?: string;
  args?: string[];
  env?: Record<string, string>;
  startTimeoutMs?: number;
}

/** A minimal environment: nothing from the developer's shell leaks into the proxy (no real credentials). */
export function isolatedEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '',
    HOME: mkdtempSync(join(tmpdir(), 'imagegate-home-')),
    AWS_EC2_METADATA_DISABLED: 'true',
    METADATA_SERVER_DETECTION: 'none',
    GCE_METADATA_HOST: '127.0.0.1:9',
    ...extra,
  };
}

export function writeConfig(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'imagegate-config-'));
  const path = join(dir, 'config.yaml');
  writeFileSync(path, text);
  return path;
}

function parseLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

/** Runs the CLI to completion (for start-up failures): exit code and output. */
export function runCli(args: string[], env: Record<string, string> = isolatedEnv(), timeoutMs = 15_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [builtCli, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`imagegate ${args.join(' ')} did not exit within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export async function startProxyProcess(options: StartOptions = {}): Promise<ProxyProcess> {
  const args = [...(options.config === undefined ? [] : ['--config', writeConfig(options.config)]), '--port', '0', '--host', '127.0.0.1', ...(options.args ?? [])];
  const child = spawn(process.execPath, [builtCli, ...args], { env: options.env ?? isolatedEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      clearInterval(poll);
      child.kill('SIGKILL');
      reject(new Error(`proxy did not start within ${options.startTimeoutMs ?? 15_000} ms\n${stdout}\n${stderr}`));
    }, options.startTimeoutMs ?? 15_000);
    const poll = setInterval(() => {
      const listening = parseLines(stdout).find((line) => typeof line['msg'] === 'string' && (line['msg'] as string).startsWith('imagegate proxy listening'));
      if (listening !== undefined) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(listening['url'] as string);
      }
    }, 20);
    void exited.then((code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`proxy exited with ${code} before listening\n${stdout}\n${stderr}`));
    });
  });
  return {
    url,
    child,
    logs: () => parseLines(stdout),
    stderr: () => stderr,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
  };
}
