// The CLI as a user runs it: a real process writing real files, offline through the mock provider.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'imagegate-cli-'));
const cli = (...args: string[]) =>
  run(join(process.cwd(), 'node_modules', '.bin', 'tsx'), [join(process.cwd(), 'src', 'cli', 'main.ts'), ...args], { cwd: dir, env: { PATH: process.env['PATH'] ?? '' } }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('imagegate CLI', () => {
  it('generates numbered PNG files offline', async () => {
    const result = await cli('generate', 'a paper boat', '--model', 'mock/image-1', '-n', '2', '--size', '48x32', '-o', 'boat.png');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('wrote boat-1.png');
    for (const name of ['boat-1.png', 'boat-2.png']) {
      const png = readFileSync(join(dir, name));
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([48, 32]);
    }
  });

  it('passes provider params and reports errors with their class and a non-zero exit', async () => {
    const result = await cli('generate', 'a boat', '--model', 'mock/image-1', '--param', 'mock_error=429', '--param', 'num_retries=0');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('RateLimitError');
  });

  it('explains a missing key without crashing', async () => {
    const result = await cli('generate', 'a boat', '--model', 'dall-e-3');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('OPENAI_API_KEY');
  });

  it('prints its version and rejects unknown commands', async () => {
    const pkg = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as { version: string };
    expect((await cli('--version')).stdout.trim()).toBe(pkg.version);
    const unknown = await cli('paint');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "paint"');
  });
});
