// npm run bench: what imagegate costs, in one markdown table. The same autocannon load (its own process) against
// (a) the stub upstream directly, (b) a minimal node:http + undici pass-through proxy (baseline-proxy.ts, the
// practical limit) and (c) imagegate (the built CLI), on a local OpenAI-shaped upstream, a Bedrock-shaped one (Titan:
// translated and SigV4-signed) and the in-process mock provider; ~1 KB responses and n=4 × 2 MiB base64 (8 MiB)
// responses. Reports req/s, p50/p99, added latency vs direct, ratios vs the baseline and each proxy's peak RSS, all
// from the same run, then the issue's targets as MET / MISSED, the time to the first partial image of a stream
// (stream-first-image.ts) and, when test/bench/cold-import.ts exists, its cold-import numbers.
// Exits non-zero when any response was not 2xx (or errored, or came back short); a missed target is only reported.
// Env: BENCH_SECONDS (per row, default 5), BENCH_WARMUP_SECONDS (per row, default 1, 0 = none), BENCH_STREAM_RUNS
// (streamed requests per scenario, default 200), BENCH_COLD_RUNS (default 10), BENCH_FIRST_DELAY_MS (the upstream's
// wait before its first stream event, default 0), BENCH_IMAGEGATE_NODE_ARGS (node flags for the imagegate processes,
// space-separated, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"). IMAGEGATE_BUILT_CLI points at another build than dist/.
import type { ChildProcess } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { builtCli } from '../helpers/proxy-process.js';
import { forkTs, nextMessage, peakRssMeter, startBaselineProxy, stopChild, type BaselineProxy, type PeakRssMeter } from './processes.js';
import type { LoadJob, LoadReply, LoadResult, UpstreamBodies } from './protocol.js';
import { startBenchProxy, stopBenchProxies, type BenchProxy } from './proxy-server.js';
import { measureStreamFirstImage, streamFirstImageTable } from './stream-first-image.js';

const SECONDS = numberFromEnv('BENCH_SECONDS', 5, 0.1);
const WARMUP_SECONDS = numberFromEnv('BENCH_WARMUP_SECONDS', 1, 0);
const STREAM_RUNS = Math.round(numberFromEnv('BENCH_STREAM_RUNS', 200, 1));
const COLD_RUNS = Math.round(numberFromEnv('BENCH_COLD_RUNS', 10, 1));
const PROMPT = 'a red fox';
const LARGE_N = 4;
const TITAN = 'amazon.titan-image-generator-v2:0';
/** The level the target rows run imagegate at: what operators run (one JSON line per request). */
const TARGET_LOG_LEVEL = 'info';
const MB = 1e6;
const IMAGEGATE_NODE_ARGS = (process.env['BENCH_IMAGEGATE_NODE_ARGS'] ?? '').split(' ').filter((arg) => arg !== '');

type Payload = 'small' | 'large';
type Shape = 'openai' | 'bedrock' | 'mock';
type Through = 'direct' | 'baseline' | 'imagegate' | 'imagegate-warn';

interface Case {
  payload: Payload;
  shape: Shape;
  concurrency: number;
  through: Through;
}
interface Row extends Case {
  result: LoadResult;
  peakRssMb: number | undefined;
}

function numberFromEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!(value >= min)) throw new Error(`${name} must be a number ≥ ${min}, got ${JSON.stringify(raw)}`);
  return value;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

// ---- what runs, in order: each group's rows back to back, so their ratios compare neighbours in time ----

const GROUPS: { payload: Payload; shape: Shape; concurrency: number; through: Through[] }[] = [
  { payload: 'small', shape: 'openai', concurrency: 32, through: ['direct', 'baseline', 'imagegate', 'imagegate-warn'] },
  { payload: 'small', shape: 'mock', concurrency: 32, through: ['imagegate'] },
  { payload: 'small', shape: 'bedrock', concurrency: 32, through: ['direct', 'baseline', 'imagegate'] },
  { payload: 'small', shape: 'openai', concurrency: 1, through: ['direct', 'baseline', 'imagegate'] },
  { payload: 'small', shape: 'mock', concurrency: 1, through: ['imagegate'] },
  ...[1, 8, 32].map((concurrency) => ({
    payload: 'large' as const,
    shape: 'openai' as const,
    concurrency,
    through: ['direct', 'baseline', 'imagegate'] as Through[],
  })),
  ...[1, 8, 32].map((concurrency) => ({
    payload: 'large' as const,
    shape: 'bedrock' as const,
    concurrency,
    through: ['direct', 'baseline', 'imagegate'] as Through[],
  })),
];

interface Endpoints {
  upstream: string;
  baseline: string;
  imagegate: string;
  imagegateWarn: string;
}

/** The request for a case: the direct and baseline rows send what imagegate sends its upstream (same path, same body). */
function request(endpoints: Endpoints, c: Case): { url: string; body: Record<string, unknown> } {
  const n = c.payload === 'large' ? LARGE_N : 1;
  if (c.through === 'imagegate' || c.through === 'imagegate-warn') {
    const base = c.through === 'imagegate' ? endpoints.imagegate : endpoints.imagegateWarn;
    const url = `${base}/v1/images/generations`;
    if (c.shape === 'mock') return { url, body: { model: 'mock', prompt: PROMPT, size: '64x64', response_format: 'b64_json' } };
    const model = c.shape === 'openai' ? 'openai-shaped' : 'bedrock-shaped';
    return { url, body: { model, prompt: PROMPT, size: '1024x1024', ...(n === 1 ? {} : { n }) } };
  }
  const base = c.through === 'direct' ? endpoints.upstream : endpoints.baseline;
  if (c.shape === 'openai')
    return { url: `${base}/v1/images/generations`, body: { model: 'gpt-image-1', prompt: PROMPT, size: '1024x1024', ...(n === 1 ? {} : { n }) } };
  if (c.shape === 'bedrock') {
    return {
      url: `${base}/model/${encodeURIComponent(TITAN)}/invoke`,
      body: { taskType: 'TEXT_IMAGE', textToImageParams: { text: PROMPT }, imageGenerationConfig: { numberOfImages: n, width: 1024, height: 1024 } },
    };
  }
  throw new Error('the mock provider has no upstream to call directly');
}

/** The images the upstream answered directly, per payload and shape: what every proxy must hand back unchanged. */
const directImages = new Map<string, string[]>();

/**
 * One request before loading a case: a 2xx with the expected number of images, each of the expected size, and (for a
 * proxy) exactly the images the upstream gives when called directly.
 */
async function smokeTest(endpoints: Endpoints, c: Case): Promise<void> {
  const { url, body } = request(endpoints, c);
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await response.text();
  const what = `${label(c)} via ${through(c.through)}`;
  if (!response.ok) throw new Error(`${what}: expected a 2xx, got ${response.status} ${text.slice(0, 300)}`);
  const json = JSON.parse(text) as { data?: { b64_json?: unknown }[]; images?: unknown[] };
  const images = (json.data?.map((image) => image.b64_json) ?? json.images ?? []).filter((image): image is string => typeof image === 'string');
  const want = c.payload === 'large' ? LARGE_N : 1;
  const minChars = c.payload === 'large' ? 2 * 1024 * 1024 : c.shape === 'mock' ? 100 : 1024;
  if (images.length !== want || images.some((image) => image.length < minChars)) {
    throw new Error(
      `${what}: expected ${want} base64 image(s) of ≥ ${minChars} chars, got ${images.map((image) => image.length).join(', ') || 'none'}`,
    );
  }
  if (c.shape === 'mock') return;
  const key = `${c.payload}/${c.shape}`;
  if (c.through === 'direct') directImages.set(key, images);
  const expected = directImages.get(key);
  if (expected !== undefined && images.some((image, index) => image !== expected[index])) {
    throw new Error(`${what}: the images differ from the upstream's own answer`);
  }
}

// ---- formatting ----

const SHAPE_LABEL: Record<Shape, string> = {
  openai: 'OpenAI-shaped upstream (passed through)',
  bedrock: 'Bedrock-shaped upstream (Titan, translated + SigV4)',
  mock: 'mock provider (PNG drawn in-process, no upstream)',
};
const label = (c: Pick<Case, 'payload' | 'shape'>) => `${c.payload === 'small' ? '1 KB' : '8 MiB (4 × 2 MiB)'} · ${SHAPE_LABEL[c.shape]}`;
function through(t: Through): string {
  if (t === 'direct') return 'upstream direct';
  if (t === 'baseline') return 'baseline pass-through';
  return t === 'imagegate' ? `imagegate (${TARGET_LOG_LEVEL})` : 'imagegate (warn)';
}
const ms = (value: number) => (Number.isNaN(value) ? '—' : value.toFixed(2));
const signed = (value: number) => (Number.isNaN(value) ? '—' : `${value >= 0 ? '+' : ''}${value.toFixed(2)}`);
const ratio = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : '—');

function find(rows: Row[], c: Omit<Case, 'through'>, t: Through): Row | undefined {
  return rows.find((row) => row.payload === c.payload && row.shape === c.shape && row.concurrency === c.concurrency && row.through === t);
}

function table(rows: Row[]): string {
  const lines = [
    '| payload · upstream | c | through | responses | req/s | p50 ms | p99 ms | added p50 / p99 ms vs direct | req/s vs baseline | p50 / p99 vs baseline | peak RSS MB | imagegate-reported overhead p50 / p99 ms | non-2xx / errors |',
    '|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    const { result: r } = row;
    const direct = row.through === 'direct' ? undefined : find(rows, row, 'direct')?.result;
    const baseline = find(rows, row, 'baseline')?.result;
    const added = direct === undefined ? '—' : `${signed(r.p50 - direct.p50)} / ${signed(r.p99 - direct.p99)}`;
    const vsBaseline =
      baseline === undefined
        ? ['—', '—']
        : [ratio(r.reqPerSec / baseline.reqPerSec), `${ratio(r.p50 / baseline.p50)} / ${ratio(r.p99 / baseline.p99)}`];
    const overhead = r.overheadSamples > 0 ? `${r.overheadP50} / ${r.overheadP99}` : '—';
    const failures = `${r.non2xx} / ${r.errors}${r.short > 0 ? ` (+${r.short} short)` : ''}`;
    lines.push(
      `| ${label(row)} | ${row.concurrency} | ${through(row.through)} | ${r.requests} | ${r.reqPerSec.toFixed(r.reqPerSec < 100 ? 1 : 0)} | ${ms(r.p50)} | ${ms(r.p99)} | ${added} | ${vsBaseline[0]} | ${vsBaseline[1]} | ${row.peakRssMb === undefined ? '—' : row.peakRssMb.toFixed(0)} | ${overhead} | ${failures} |`,
    );
  }
  return lines.join('\n');
}

interface Target {
  what: string;
  measured: number | undefined;
  /** ≥ or ≤ the limit. */
  atLeast: boolean;
  limit: number;
  unit: '×' | ' MB';
  note?: string;
}

function targets(rows: Row[]): Target[] {
  const pair = (c: Omit<Case, 'through'>, t: Through = 'imagegate') => ({ proxy: find(rows, c, t), baseline: find(rows, c, 'baseline') });
  const reqPerSec = (c: Omit<Case, 'through'>, t: Through = 'imagegate') => {
    const { proxy, baseline } = pair(c, t);
    return proxy && baseline && proxy.result.requests > 0 && baseline.result.requests > 0
      ? proxy.result.reqPerSec / baseline.result.reqPerSec
      : undefined;
  };
  const latency = (c: Omit<Case, 'through'>, q: 'p50' | 'p99', t: Through = 'imagegate') => {
    const { proxy, baseline } = pair(c, t);
    return proxy && baseline && proxy.result.requests > 0 && baseline.result.requests > 0 ? proxy.result[q] / baseline.result[q] : undefined;
  };
  const atWarn = (value: number | undefined) => (value === undefined ? undefined : `at --log-level warn: ${value.toFixed(2)}×`);
  const small32 = { payload: 'small', shape: 'openai', concurrency: 32 } as const;
  const list: Target[] = [
    {
      what: '1 KB, c=32, OpenAI-shaped: req/s vs baseline',
      measured: reqPerSec(small32),
      atLeast: true,
      limit: 0.7,
      unit: '×',
      note: atWarn(reqPerSec(small32, 'imagegate-warn')),
    },
    {
      what: '1 KB, c=32, OpenAI-shaped: p99 vs baseline',
      measured: latency(small32, 'p99'),
      atLeast: false,
      limit: 2,
      unit: '×',
      note: atWarn(latency(small32, 'p99', 'imagegate-warn')),
    },
  ];
  for (const concurrency of [1, 8]) {
    const c = { payload: 'large', shape: 'openai', concurrency } as const;
    list.push({
      what: `8 MiB, c=${concurrency}, OpenAI-shaped (no translation): p50 vs baseline`,
      measured: latency(c, 'p50'),
      atLeast: false,
      limit: 1.15,
      unit: '×',
    });
    list.push({
      what: `8 MiB, c=${concurrency}, OpenAI-shaped (no translation): req/s vs baseline`,
      measured: reqPerSec(c),
      atLeast: true,
      limit: 0.85,
      unit: '×',
    });
  }
  for (const concurrency of [1, 8]) {
    const c = { payload: 'large', shape: 'bedrock', concurrency } as const;
    list.push({
      what: `8 MiB, c=${concurrency}, Bedrock-shaped (translated): p50 vs baseline`,
      measured: latency(c, 'p50'),
      atLeast: false,
      limit: 1.5,
      unit: '×',
    });
  }
  for (const shape of ['openai', 'bedrock'] as const) {
    const row = find(rows, { payload: 'large', shape, concurrency: 32 }, 'imagegate');
    list.push({
      what: `peak RSS serving 32 concurrent 8 MiB responses, ${shape === 'openai' ? 'OpenAI' : 'Bedrock'}-shaped`,
      measured: row?.peakRssMb,
      atLeast: false,
      limit: 200,
      unit: ' MB',
    });
  }
  return list;
}

function targetLine(target: Target): string {
  const { measured, limit, unit } = target;
  const fmt = (value: number) => (unit === '×' ? `${value.toFixed(2)}×` : `${value.toFixed(0)} MB`);
  const goal = `${target.atLeast ? '≥' : '≤'} ${fmt(limit)}`;
  const note = target.note === undefined ? '' : ` (${target.note})`;
  if (measured === undefined) return `- **NOT MEASURED** ${target.what}, target ${goal}: a row had no completed response`;
  const met = target.atLeast ? measured >= limit : measured <= limit;
  const gap = unit === '×' ? Math.abs(measured - limit).toFixed(2) : `${Math.abs(measured - limit).toFixed(0)} MB`;
  const verdict = met
    ? `**MET** with ${gap} to spare`
    : `**MISSED** by ${gap}: ${target.atLeast ? `needs ${(limit / measured).toFixed(2)}× what it got` : `${(measured / limit).toFixed(2)}× the limit`}`;
  return `- ${target.what}: **${fmt(measured)}**, target ${goal} — ${verdict}${note}`;
}

async function countLines(file: string, needle: string): Promise<number> {
  let count = 0;
  let tail = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8' })) {
    const lines = (tail + (chunk as string)).split('\n');
    tail = lines.pop()!;
    for (const line of lines) if (line.includes(needle)) count++;
  }
  return count + (tail.includes(needle) ? 1 : 0);
}

interface ColdTiming {
  p50: number;
  p90: number;
}
const isTiming = (value: unknown): value is ColdTiming =>
  typeof value === 'object' && value !== null && typeof (value as ColdTiming).p50 === 'number' && typeof (value as ColdTiming).p90 === 'number';

/** cold-import.ts is another engineer's: included when present, read by duck typing so a change there cannot break this. */
async function coldImportLine(): Promise<string | undefined> {
  const file = fileURLToPath(new URL('./cold-import.ts', import.meta.url));
  if (!existsSync(file)) return undefined;
  const module = (await import(pathToFileURL(file).href)) as { measureColdImport?: (distRoot: string, runs: number) => Promise<unknown> };
  if (typeof module.measureColdImport !== 'function')
    return '- Cold start: test/bench/cold-import.ts does not export measureColdImport; not measured.';
  const distRoot = resolve(dirname(builtCli), '..', '..');
  log(`measuring cold start of ${distRoot}, ${COLD_RUNS} runs`);
  const result = (await module.measureColdImport(distRoot, COLD_RUNS)) as Record<string, unknown>;
  const { baseline, import: imported, generate } = result;
  if (!isTiming(baseline) || !isTiming(imported) || !isTiming(generate))
    return `- Cold start (cold-import.ts, ${COLD_RUNS} runs): ${JSON.stringify(result)}`;
  const part = (name: string, t: ColdTiming) =>
    `${name} p50 ${t.p50.toFixed(0)} ms / p90 ${t.p90.toFixed(0)} ms (+${(t.p50 - baseline.p50).toFixed(0)} / +${(t.p90 - baseline.p90).toFixed(0)} over bare node)`;
  return `- Cold start (cold-import.ts, ${COLD_RUNS} fresh node processes each, interleaved): bare \`node -e ''\` p50 ${baseline.p50.toFixed(0)} ms / p90 ${baseline.p90.toFixed(0)} ms; ${part("\`import 'imagegate'\`", imported)}; ${part('import + one OpenAI generation (local upstream)', generate)}.`;
}

// ---- the run ----

async function main(): Promise<void> {
  const loadBefore = os.loadavg()[0]!;
  const started = Date.now();
  const children: ChildProcess[] = [];
  const proxies: BenchProxy[] = [];
  const logDir = mkdtempSync(join(os.tmpdir(), 'imagegate-bench-log-'));
  const logFile = join(logDir, 'imagegate.log');
  let stopping: Promise<void> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      const exits = await Promise.all(proxies.map((proxy) => proxy.stop()));
      exits.forEach((code, index) => {
        if (code !== 0 && code !== null) log(`imagegate exited with ${code}\n${proxies[index]!.output()}`);
      });
      await Promise.all([stopBenchProxies(), ...children.map(stopChild)]);
      rmSync(logDir, { recursive: true, force: true });
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping the bench's processes`);
    void stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const upstreamChild = forkTs('./upstream-server.ts');
    children.push(upstreamChild);
    const generator = forkTs('./load-generator.ts');
    children.push(generator);
    const { port, bodies } = await nextMessage<{ port: number; bodies: UpstreamBodies }>(upstreamChild);
    const upstream = `http://127.0.0.1:${port}`;

    const baseline: BaselineProxy = await startBaselineProxy(upstream);
    children.push(baseline.child);

    const config = [
      'model_list:',
      '  - model_name: openai-shaped',
      `    litellm_params: { model: openai/gpt-image-1, api_base: "${upstream}/v1", api_key: sk-bench }`,
      '  - model_name: bedrock-shaped',
      `    litellm_params: { model: bedrock/${TITAN}, aws_bedrock_runtime_endpoint: "${upstream}", aws_access_key_id: AKIABENCHBENCHBENCH0, aws_secret_access_key: bench-secret, aws_region_name: us-east-1 }`,
      '  - model_name: mock',
      '    litellm_params: { model: mock/image-1 }',
      'router_settings: { num_retries: 0 }',
      '',
    ].join('\n');
    const imagegate = await startBenchProxy(config, { logLevel: TARGET_LOG_LEVEL, logFile, nodeArgs: IMAGEGATE_NODE_ARGS });
    proxies.push(imagegate);
    const imagegateWarn = await startBenchProxy(config, { logLevel: 'warn', nodeArgs: IMAGEGATE_NODE_ARGS });
    proxies.push(imagegateWarn);
    const endpoints: Endpoints = { upstream, baseline: baseline.url, imagegate: imagegate.url, imagegateWarn: imagegateWarn.url };
    const meters: Partial<Record<Through, PeakRssMeter>> = {
      baseline: peakRssMeter(baseline.pid),
      imagegate: peakRssMeter(imagegate.pid),
      'imagegate-warn': peakRssMeter(imagegateWarn.pid),
    };

    const cases: Case[] = GROUPS.flatMap((group) =>
      group.through.map((t) => ({ payload: group.payload, shape: group.shape, concurrency: group.concurrency, through: t })),
    );

    const load = async (job: LoadJob): Promise<LoadResult> => {
      const reply = nextMessage<LoadReply>(generator);
      generator.send(job);
      const answer = await reply;
      if (!answer.ok) throw new Error(`load generator: ${answer.error}`);
      // NaN (no responses) crosses IPC as null.
      const { p50, p99 } = answer.result as { p50: number | null; p99: number | null };
      return { ...answer.result, p50: p50 ?? Number.NaN, p99: p99 ?? Number.NaN };
    };
    const rows: Row[] = [];
    let warmupFailures = 0;
    const estimate = Math.round(cases.length * (SECONDS + WARMUP_SECONDS));
    log(`${cases.length} rows × (${WARMUP_SECONDS} s warm-up + ${SECONDS} s), about ${Math.floor(estimate / 60)} min ${estimate % 60} s`);
    for (const [index, c] of cases.entries()) {
      const { url, body } = request(endpoints, c);
      const minResponseBytes = c.payload === 'large' ? LARGE_N * 2 * 1024 * 1024 : c.shape === 'mock' ? 100 : 1024;
      const job = { url, body, connections: c.concurrency, minResponseBytes };
      log(`[${index + 1}/${cases.length}] ${label(c)}, c=${c.concurrency}, ${through(c.through)}`);
      // Right before its row, not all up front: an 8 MiB answer would otherwise leave its memory in the small rows' peak RSS.
      await smokeTest(endpoints, c);
      if (WARMUP_SECONDS > 0) {
        const warm = await load({ ...job, seconds: WARMUP_SECONDS });
        warmupFailures += warm.non2xx + warm.errors + warm.short;
      }
      const meter = meters[c.through];
      meter?.start();
      const result = await load({ ...job, seconds: SECONDS });
      rows.push({ ...c, result, peakRssMb: meter?.stop() });
    }

    log(`measuring the time to the first partial image, ${STREAM_RUNS} runs per scenario`);
    const streamRows = await measureStreamFirstImage({
      direct: { baseURL: `${upstream}/v1`, model: 'gpt-image-1' },
      proxy: { baseURL: `${imagegate.url}/v1`, model: 'openai-shaped' },
      runs: STREAM_RUNS,
      warmup: Math.min(20, STREAM_RUNS),
    });
    const cold = await coldImportLine();
    const requestLogLines = await countLines(logFile, '"msg":"request"');
    const logBytes = statSync(logFile).size;

    const cpus = os.cpus();
    const loadAfter = os.loadavg()[0]!;
    const out: string[] = [];
    out.push(`\n## imagegate proxy overhead (npm run bench)\n`);
    out.push(table(rows));
    out.push(`\n### Targets (ratios to the baseline pass-through in the same run; imagegate at --log-level ${TARGET_LOG_LEVEL})\n`);
    out.push(targets(rows).map(targetLine).join('\n'));
    out.push(`\n### Time to the first partial image (streamed generation, OpenAI-shaped upstream, imagegate at --log-level ${TARGET_LOG_LEVEL})\n`);
    out.push(streamFirstImageTable(streamRows));
    out.push('\n### Notes\n');
    out.push(
      [
        `- Machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), ${os.platform()} ${os.release()}, Node ${process.version}. The load generator (autocannon), the proxy under test and the stub upstream are separate processes sharing these ${cpus.length} cores, so the proxied rows also pay for one more process competing for CPU; nothing else should run meanwhile. 1-min load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after; the run took ${((Date.now() - started) / 1000).toFixed(0)} s.`,
        `- Each row: ${WARMUP_SECONDS} s warm-up, then ${SECONDS} s measured; one run per row, the rows of a group back to back. autocannon 9 in its own process, keep-alive, no pipelining, concurrency = connections. req/s is closed-loop throughput: per connection, its responses over the time to its last one, summed (responses/duration would count a request cut off at the row's end as no work, understating slow rows by up to one request per connection). Latency is client-side, from writing the request to the response's last byte (autocannon's 'response' fires on message-complete), nearest-rank percentiles over every response of the row. autocannon's per-response copy of the body into a string is switched off in load-generator.ts (unused, and costly at 8 MiB).`,
        `- Upstream (node:http, its own process, bodies prebuilt with content-length): OpenAI-shaped ${bodies.openaiSmall} B (1 image) or ${bodies.openaiLarge} B (\`n: 4\`: 4 × 2 MiB base64 + gpt-image-1's usage); Bedrock-shaped (Titan, SigV4 not checked) ${bodies.bedrockSmall} B or ${bodies.bedrockLarge} B (\`numberOfImages: 4\`). Direct and baseline rows send the upstream what imagegate sends it (same path and body); imagegate rows send the OpenAI request (\`n: 4\` for 8 MiB).`,
        "- Baseline: baseline-proxy.ts, node:http + undici Pool.stream (keep-alive), request body piped up, status + content-type/content-length + body piped down, no logic; its own process under plain node, like imagegate. It is the practical limit for a Node proxy: its ratios are the targets' yardstick.",
        `- imagegate: the built CLI (${builtCli}) in its own process, num_retries 0, no master key. Target rows ("imagegate (${TARGET_LOG_LEVEL})") run at --log-level ${TARGET_LOG_LEVEL}, as operators do: ${requestLogLines} request log lines (${(logBytes / MB).toFixed(1)} MB) went to a file over the run; "imagegate (warn)" is a second instance at --log-level warn, for the cost of that line. The mock rows have no upstream (the proxy draws a 64x64 PNG per request), so nothing to compare hop for hop.`,
        `- Peak RSS: ${meters.imagegate!.method}, per row, of the proxy process named in the row (MB = 10^6 bytes); memory retained from earlier rows counts.`,
        '- The stub upstream answers at once, so req/s ratios are a worst case; against a real provider (seconds per image) the added milliseconds are what matter. imagegate-reported overhead: its x-imagegate-overhead-duration-ms header (total minus upstream time, whole ms, taken before the body is written).',
        `- Time to the first partial image: the openai client in the bench's own process, ${STREAM_RUNS} sequential requests per scenario after ${Math.min(20, STREAM_RUNS)} warm-up rounds, alternating direct and proxied.`,
        ...(cold === undefined ? [] : [cold]),
      ].join('\n'),
    );

    // The bench itself keeps at most three processes busy (load generator, proxy, upstream).
    if (loadBefore > 1 || loadAfter > 3.5) {
      out.push(
        `\nWARNING: 1-min load average ${loadBefore.toFixed(1)} before the run, ${loadAfter.toFixed(1)} after, on ${cpus.length} cores: more than the bench's own three busy processes explain. Something else competed for the CPU, so these numbers and ratios are noisy; rerun on an idle machine.`,
      );
    }
    const empty = rows.filter(({ result }) => result.requests === 0);
    if (empty.length > 0) {
      out.push(
        `\nWARNING: no response completed within the row (BENCH_SECONDS too short?): ${empty.map((row) => `${label(row)} c=${row.concurrency} via ${through(row.through)}`).join('; ')}`,
      );
    }
    const failed = rows.filter(({ result }) => result.non2xx > 0 || result.errors > 0 || result.short > 0);
    if (failed.length > 0 || warmupFailures > 0) {
      const named = failed.map((row) => `${label(row)} c=${row.concurrency} via ${through(row.through)}`);
      out.push(
        `\nFAIL: non-2xx responses, errors or short responses in: ${[...named, ...(warmupFailures > 0 ? [`warm-ups (${warmupFailures})`] : [])].join('; ')}`,
      );
      process.exitCode = 1;
    } else {
      out.push(`\nAll ${rows.reduce((sum, row) => sum + row.result.requests, 0)} measured responses were complete 2xx.`);
    }
    console.log(out.join('\n'));
  } finally {
    await stopAll();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

await main();
