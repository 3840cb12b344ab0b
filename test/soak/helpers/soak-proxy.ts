// Shared by the soak suites: the built CLI on the offline mock provider with a master key and a provider key, both
// secrets every log line and every kept answer is scanned for; raw keep-alive HTTP from node:http; and the proxy's
// resident memory from /proc.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'undici';
import { onTestFinished } from 'vitest';
import { freePort } from '../../helpers/free-port.js';
import { builtCli, isolatedEnv, startProxyProcess, writeConfig, type ProxyProcess } from '../../helpers/proxy-process.js';

/** Secrets the proxy is configured with; none may appear in a log line or an answer. */
export const SECRETS = {
  master_key: 'sk-soak-master-6f1c0d9e2b7a4c55',
  provider_api_key: 'sk-soak-provider-a93e57c1d04b8f26',
};

export interface SoakProxyOptions {
  /** Extra `general_settings` entries, as YAML flow-map items (`key: value, ...`). */
  generalSettings?: string;
  /** Extra `litellm_params` of the mock deployment, as YAML flow-map items. */
  litellmParams?: string;
  args?: string[];
}

function soakConfig(options: SoakProxyOptions): string {
  const general = [`master_key: ${SECRETS.master_key}`, ...(options.generalSettings === undefined ? [] : [options.generalSettings])].join(', ');
  const params = [
    'model: mock/image-1',
    'api_key: os.environ/SOAK_PROVIDER_KEY',
    ...(options.litellmParams === undefined ? [] : [options.litellmParams]),
  ].join(', ');
  return `
general_settings: { ${general} }
model_list:
  - model_name: images
    litellm_params: { ${params} }
    model_info: { id: mock-soak }
`;
}

/** The provider key reaches the proxy through the environment (os.environ/...), as operators pass credentials. */
const soakEnv = () => isolatedEnv({ SOAK_PROVIDER_KEY: SECRETS.provider_api_key });

/** Killed when the current test ends, whatever it asserted (a test that stops it itself has nothing left to do). */
function killAfterTest(child: ChildProcess): void {
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
}

/** The built CLI in its own process, serving group `images` from mock/image-1; its log is piped to this process. */
export async function startSoakProxy(options: SoakProxyOptions = {}): Promise<ProxyProcess> {
  const proxy = await startProxyProcess({ config: soakConfig(options), env: soakEnv(), args: options.args ?? [] });
  killAfterTest(proxy.child);
  return proxy;
}

export interface FileLoggedProxy {
  url: string;
  child: ChildProcess;
  /** The JSON log lines so far. */
  logs(): Record<string, unknown>[];
  /** Everything the process printed: its log file (stdout) and stderr. */
  output(): { stdout: string; stderr: string };
  exited: Promise<number | null>;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /**
   * A full garbage collection in the proxy, through its inspector (node --inspect on a loopback port: no code of
   * the test runs in the proxy). Resolves when the collection is done.
   */
  collectGarbage(): Promise<void>;
}

/**
 * As startSoakProxy, but stdout (the JSON log, one line per request) goes to a file, as operators' log collectors
 * take it: a pipe to a busy test process can fill, and then the proxy holds its log lines in memory (or waits), so
 * a soak would measure how fast the test reads. Ready once /health/readiness answers 200. Runs with the inspector
 * on a loopback port, for collectGarbage().
 */
export async function startFileLoggedProxy(options: SoakProxyOptions = {}, startTimeoutMs = 15_000): Promise<FileLoggedProxy> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logFile = join(mkdtempSync(join(tmpdir(), 'imagegate-soak-')), 'proxy.log');
  const logFd = openSync(logFile, 'w');
  let child: ChildProcess;
  try {
    const args = [
      '--inspect=127.0.0.1:0',
      builtCli,
      '--config',
      writeConfig(soakConfig(options)),
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
      ...(options.args ?? []),
    ];
    child = spawn(process.execPath, args, { env: soakEnv(), stdio: ['ignore', logFd, 'pipe'] });
  } finally {
    closeSync(logFd); // the child has its own copy
  }
  killAfterTest(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const output = () => ({ stdout: readFileSync(logFile, 'utf8'), stderr });
  const deadline = performance.now() + startTimeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`proxy exited before it was ready\n${output().stdout}\n${stderr}`);
    const ready = await fetch(`${url}/health/readiness`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`proxy not ready within ${startTimeoutMs} ms\n${output().stdout}\n${stderr}`);
    }
    await sleep(50);
  }
  const inspector = /ws:\/\/127\.0\.0\.1:\d+\/[\w-]+/.exec(stderr)?.[0];
  if (inspector === undefined) throw new Error(`no inspector URL on the proxy's stderr\n${stderr}`);
  const devtools = new WebSocket(inspector);
  await once(devtools as unknown as EventTarget, 'open');
  let calls = 0;
  const replies = new Map<number, () => void>();
  devtools.addEventListener('message', (event) => replies.get((JSON.parse(String(event.data)) as { id: number }).id)?.());
  return {
    url,
    child,
    logs: () =>
      output()
        .stdout.split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    output,
    exited,
    async stop(signal = 'SIGTERM') {
      // Detach first: node waits for an attached debugger before it exits.
      if (devtools.readyState === WebSocket.OPEN) {
        const closed = once(devtools as unknown as EventTarget, 'close');
        devtools.close();
        await closed;
      }
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
    collectGarbage() {
      const id = ++calls;
      return new Promise<void>((resolve) => {
        replies.set(id, resolve);
        devtools.send(JSON.stringify({ id, method: 'HeapProfiler.collectGarbage' }));
      });
    },
  };
}

/** A small generation: 64x64 keeps the answer under 1 KB, so the proxy, not the wire, is what gets exercised. */
export const GENERATION_BODY = JSON.stringify({ model: 'images', prompt: 'a lighthouse at dusk', size: '64x64', response_format: 'b64_json' });

export const AUTH_HEADERS = { authorization: `Bearer ${SECRETS.master_key}`, 'content-type': 'application/json' };

/** VmRSS of a live process, in bytes (Linux /proc). */
export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match === null) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/**
 * Milliseconds the process's main thread (its event loop) has spent runnable but waiting for a CPU (Linux
 * /proc/<pid>/schedstat run_delay): how much of any event-loop lag other processes on the box caused.
 */
export function runQueueWaitMs(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6;
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /**
   * node's req.reusedSocket: the agent handed it a kept-alive socket at once. (A request that waited for the socket
   * to come free is reused too, but node reports false for it.)
   */
  reusedSocket: boolean;
}

/**
 * One request on an agent; resolves with the whole answer, rejects with the socket error (with `reusedSocket`, and
 * `written`: the whole request had been handed to the socket).
 */
export function request(
  url: string,
  agent: http.Agent,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const target = new URL(options.path, url);
    const req = http.request(
      { host: target.hostname, port: target.port, path: target.pathname, method: options.method ?? 'GET', headers: options.headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const length = res.headers['content-length'];
          // A body cut short is a dropped answer, not a complete one.
          if (length !== undefined && Buffer.byteLength(body) !== Number(length)) {
            reject(
              Object.assign(new Error(`answer cut short: ${Buffer.byteLength(body)} of ${length} bytes`), {
                code: 'SHORT_BODY',
                reusedSocket: req.reusedSocket,
                written: true,
              }),
            );
            return;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, reusedSocket: req.reusedSocket });
        });
        res.on('error', (error: NodeJS.ErrnoException) => reject(Object.assign(error, { reusedSocket: req.reusedSocket, written: true })));
      },
    );
    let written = false;
    req.on('finish', () => (written = true));
    req.on('error', (error: NodeJS.ErrnoException) => reject(Object.assign(error, { reusedSocket: req.reusedSocket, written })));
    req.end(options.body);
  });
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs a helper (a .ts file next to this one, under tsx) in a child process of its own: sends it one job over IPC
 * and resolves with its `{ ok, result }` answer. The child is killed afterwards, whatever happened, or on `signal`.
 */
export async function runInChild<Job, Result>(file: string, job: Job, signal?: AbortSignal): Promise<Result> {
  const child = fork(fileURLToPath(new URL(file, import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const kill = () => child.kill();
  signal?.addEventListener('abort', kill);
  try {
    const reply = new Promise<{ ok: true; result: Result } | { ok: false; error: string }>((resolve, reject) => {
      child.once('message', (message) => resolve(message as { ok: true; result: Result } | { ok: false; error: string }));
      child.once('exit', (code) => reject(new Error(`${file} exited (${code}) before answering`)));
    });
    child.send(job as never);
    const answer = await reply;
    if (!answer.ok) throw new Error(`${file}: ${answer.error}`);
    return answer.result;
  } finally {
    signal?.removeEventListener('abort', kill);
    child.kill();
  }
}
