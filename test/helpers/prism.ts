// Prism started from a provider contract, on loopback, as a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from './free-port.js';

export interface PrismServer {
  url: string;
  logs(): string;
  stop(): Promise<void>;
}

const prismBin = join(process.cwd(), 'node_modules', '.bin', 'prism');

export async function startPrism(contractFile: string): Promise<PrismServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(prismBin, ['mock', contractFile, '-h', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Prism did not start for ${contractFile}:\n${output}`)), 45_000);
    const poll = setInterval(() => {
      if (output.includes('Prism is listening')) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve();
      }
    }, 50);
    child.once('exit', (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`Prism exited with ${code} for ${contractFile}:\n${output}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    logs: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
