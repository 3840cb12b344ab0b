// The bench's child processes: forking its .ts helpers under tsx, starting the baseline pass-through proxy under plain
// node, IPC replies, stopping; and each process's peak RSS.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

/** Forks a sibling .ts file under tsx, with an IPC channel (the child exits when the channel closes). */
export function forkTs(file: string, env: Record<string, string> = {}): ChildProcess {
  return fork(fileURLToPath(new URL(file, import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

export function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      reject(new Error(`child process exited (${code ?? signal}) before replying`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      child.off('exit', onExit);
      resolve(message as T);
    });
  });
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export interface BaselineProxy {
  url: string;
  pid: number;
  child: ChildProcess;
}

/**
 * baseline-proxy.ts under plain node, as the built imagegate CLI runs: tsx's loader would add ~30 MB of RSS (and a
 * loader thread) that imagegate does not carry. Transpiled here (types stripped, nothing else), its one bare import
 * (undici) pointed at this repository's copy.
 */
export async function startBaselineProxy(upstreamOrigin: string): Promise<BaselineProxy> {
  const source = readFileSync(fileURLToPath(new URL('./baseline-proxy.ts', import.meta.url)), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
  });
  const undici = pathToFileURL(createRequire(import.meta.url).resolve('undici')).href;
  const js = outputText.replace(/from (['"])undici\1/, `from '${undici}'`);
  if (js === outputText) throw new Error('baseline-proxy.ts: expected an import from undici');
  const dir = mkdtempSync(join(tmpdir(), 'imagegate-bench-'));
  const file = join(dir, 'baseline-proxy.mjs');
  writeFileSync(file, js);
  const child = spawn(process.execPath, [file, upstreamOrigin], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { port } = await nextMessage<{ port: number }>(child).finally(() => rmSync(dir, { recursive: true, force: true })); // loaded by now
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, child };
}

function statusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}

export interface PeakRssMeter {
  /** How the peak is taken, for the report. */
  method: string;
  /** Starts a measurement: from now on, the peak. */
  start(): void;
  /** The peak RSS since start(), MB (10^6 bytes); undefined where /proc is not available. */
  stop(): number | undefined;
}

/**
 * Peak RSS of a process over a stretch of time. Preferred: reset the kernel's high-water mark by writing "5" to
 * /proc/<pid>/clear_refs, then read VmHWM (exact, no sampling); checked once that the reset takes. Otherwise VmRSS
 * polled every 20 ms (may miss a peak shorter than that).
 */
export function peakRssMeter(pid: number): PeakRssMeter {
  const reset = (): boolean => {
    try {
      writeFileSync(`/proc/${pid}/clear_refs`, '5');
      return true;
    } catch {
      return false;
    }
  };
  const rss = statusKb(pid, 'VmRSS');
  const hwmResets = rss !== undefined && reset() && (statusKb(pid, 'VmHWM') ?? Infinity) <= (statusKb(pid, 'VmRSS') ?? 0) * 1.05 + 1024;
  if (hwmResets) {
    return {
      method: 'VmHWM after resetting it through /proc/<pid>/clear_refs (exact peak)',
      start: () => void reset(),
      stop: () => {
        const kb = statusKb(pid, 'VmHWM');
        return kb === undefined ? undefined : (kb * 1024) / 1e6;
      },
    };
  }
  let peakKb: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  const sample = () => {
    const kb = statusKb(pid, 'VmRSS');
    if (kb !== undefined) peakKb = Math.max(peakKb ?? 0, kb);
  };
  return {
    method: 'VmRSS polled every 20 ms (clear_refs not available)',
    start: () => {
      peakKb = undefined;
      sample();
      timer = setInterval(sample, 20);
    },
    stop: () => {
      clearInterval(timer);
      sample();
      return peakKb === undefined ? undefined : (peakKb * 1024) / 1e6;
    },
  };
}
