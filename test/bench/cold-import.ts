// Cold start of the built package: wall time of fresh `node` processes that (a) do nothing (`node -e ''`, the
// baseline), (b) import the package entry, (c) import it and run one OpenAI generation against a local upstream
// (in this process, on 127.0.0.1). Scenarios are interleaved run by run so load on the machine hits them alike.
// Run: npx tsx test/bench/cold-import.ts [runs]   (the build: IMAGEGATE_BUILT_CLI, else ./dist; COLD_IMPORT_RUNS, default 20)
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { builtDistRoot, builtEntry } from '../helpers/built-package.js';
import { isolatedEnv } from '../helpers/proxy-process.js';
import { startRecordingServer } from '../helpers/recording-server.js';

export interface ColdTiming {
  p50: number;
  p90: number;
  /** Every run, in ms, in the order measured. */
  samples: number[];
}

export interface ColdImportResult {
  runs: number;
  /** `node -e ''` */
  baseline: ColdTiming;
  /** import the package entry */
  import: ColdTiming;
  /** import + one imageGeneration with an OpenAI model against a local upstream */
  generate: ColdTiming;
}

const PNG_1X1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

const IMPORT_ONLY = 'await import(process.argv[1]);';
const IMPORT_AND_GENERATE = `
const { imageGeneration } = await import(process.argv[1]);
const result = await imageGeneration({ model: 'openai/gpt-image-1', prompt: 'a red fox', api_key: 'sk-bench', api_base: process.argv[2] });
if (result.data?.[0]?.b64_json === undefined) throw new Error('no image in ' + JSON.stringify(result));
`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function timing(samples: number[]): ColdTiming {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p90: percentile(sorted, 90), samples };
}

/** Spawn to exit of one fresh node process, in ms; a non-zero exit is an error. */
function timeNode(args: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const elapsed = performance.now() - started;
      if (code === 0) resolve(elapsed);
      else reject(new Error(`node ${args.slice(0, 2).join(' ')} … exited with ${code ?? signal}\n${stderr}`));
    });
  });
}

export async function measureColdImport(distRoot: string = builtDistRoot, runs = 20): Promise<ColdImportResult> {
  const entryUrl = pathToFileURL(builtEntry(distRoot)).href;
  const upstream = await startRecordingServer();
  upstream.respond({ status: 200, body: { created: 1700000000, data: [{ b64_json: PNG_1X1 }] } });
  const env = isolatedEnv();
  const samples = { baseline: [] as number[], import: [] as number[], generate: [] as number[] };
  try {
    // One unmeasured round first: the file system cache, not imagegate, would otherwise be the first run's cost.
    for (let run = -1; run < runs; run += 1) {
      const baseline = await timeNode(['-e', ''], env);
      const imported = await timeNode(['--input-type=module', '-e', IMPORT_ONLY, entryUrl], env);
      const generated = await timeNode(['--input-type=module', '-e', IMPORT_AND_GENERATE, entryUrl, `${upstream.url}/v1`], env);
      if (run < 0) continue;
      samples.baseline.push(baseline);
      samples.import.push(imported);
      samples.generate.push(generated);
    }
  } finally {
    await upstream.close();
  }
  return { runs, baseline: timing(samples.baseline), import: timing(samples.import), generate: timing(samples.generate) };
}

export function coldImportTable(result: ColdImportResult): string {
  const ms = (value: number) => value.toFixed(0);
  const row = (name: string, t: ColdTiming) =>
    `| ${name} | ${ms(t.p50)} | ${ms(t.p90)} | ${ms(t.p50 - result.baseline.p50)} | ${ms(t.p90 - result.baseline.p90)} |`;
  return [
    `| cold start (${result.runs} fresh node processes each) | p50 ms | p90 ms | p50 over baseline | p90 over baseline |`,
    '|---|---:|---:|---:|---:|',
    row("node -e '' (baseline)", result.baseline),
    row("import 'imagegate'", result.import),
    row('import + one OpenAI generation (local upstream)', result.generate),
  ].join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const runs = Number(process.argv[2] ?? process.env['COLD_IMPORT_RUNS'] ?? 20);
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`runs must be a positive integer, got ${process.argv[2] ?? process.env['COLD_IMPORT_RUNS']}`);
  console.log(`${builtEntry()}\n`);
  console.log(coldImportTable(await measureColdImport(builtDistRoot, runs)));
}
