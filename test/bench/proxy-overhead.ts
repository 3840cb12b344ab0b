// npm run bench: what the proxy costs. Measures (a) a local OpenAI-shaped upstream called directly, (b) the proxy in
// front of it, (c) the proxy on the offline mock provider, at concurrency 1 and 16, and prints one markdown table.
// Upstream, proxy and load generator (autocannon) each run in their own process.
// Env: BENCH_SECONDS (per measured run, default 10), BENCH_WARMUP_SECONDS (per scenario, default 2).
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { LoadJob, LoadReply, LoadResult } from './protocol.js';
import { startBenchProxy, type BenchProxy } from './proxy-server.js';

const SECONDS = positiveNumber('BENCH_SECONDS', 10);
const WARMUP_SECONDS = positiveNumber('BENCH_WARMUP_SECONDS', 2);
const CONCURRENCIES = [1, 16];
const PROMPT = 'a red fox';

interface Scenario {
  name: string;
  url: string;
  body: Record<string, unknown>;
}
interface Row {
  scenario: Scenario;
  concurrency: number;
  result: LoadResult;
}

function positiveNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!(value > 0)) throw new Error(`${name} must be a positive number of seconds, got ${JSON.stringify(raw)}`);
  return value;
}

/** Forks a sibling .ts file under tsx, with an IPC channel. */
function forkTs(file: string): ChildProcess {
  return fork(fileURLToPath(new URL(file, import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`child process exited (${code}) before replying`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      child.off('exit', onExit);
      resolve(message as T);
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

async function load(generator: ChildProcess, job: LoadJob): Promise<LoadResult> {
  const reply = nextMessage<LoadReply>(generator);
  generator.send(job);
  const answer = await reply;
  if (!answer.ok) throw new Error(`load generator: ${answer.error}`);
  return answer.result;
}

/** One request per scenario before loading it: the route works and answers an image. */
async function smokeTest(scenario: Scenario): Promise<void> {
  const response = await fetch(scenario.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(scenario.body) });
  const text = await response.text();
  const b64 = response.ok ? (JSON.parse(text) as { data?: { b64_json?: unknown }[] }).data?.[0]?.b64_json : undefined;
  if (typeof b64 !== 'string') throw new Error(`${scenario.name}: expected a 2xx image, got ${response.status} ${text.slice(0, 300)}`);
}

const ms = (value: number | undefined): string => (value === undefined || Number.isNaN(value) ? '—' : value.toFixed(2));
const signedMs = (value: number): string => `${value >= 0 ? '+' : ''}${value.toFixed(2)}`;

function table(rows: Row[], direct: Scenario, openai: Scenario): string {
  const lines = [
    '| scenario | concurrency | req/s | p50 ms | p99 ms | added p50 / p99 ms vs direct | req/s vs direct | proxy-reported overhead p50 / p99 ms | non-2xx / errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const { scenario, concurrency, result } of rows) {
    const base = rows.find((row) => row.scenario === direct && row.concurrency === concurrency)!.result;
    const added = scenario === openai ? `${signedMs(result.p50 - base.p50)} / ${signedMs(result.p99 - base.p99)}` : '—';
    const ratio = scenario === direct ? '1.00×' : `${(result.reqPerSec / base.reqPerSec).toFixed(2)}×`;
    const overhead = result.overheadSamples > 0 ? `${result.overheadP50} / ${result.overheadP99} (n=${result.overheadSamples})` : '—';
    lines.push(
      `| ${scenario.name} | ${concurrency} | ${result.reqPerSec.toFixed(0)} | ${ms(result.p50)} | ${ms(result.p99)} | ${added} | ${ratio} | ${overhead} | ${result.non2xx} / ${result.errors} |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const loadBefore = os.loadavg()[0]!;
  const upstream = forkTs('./upstream-server.ts');
  const generator = forkTs('./load-generator.ts');
  let proxy: BenchProxy | undefined;
  try {
    const { port, responseBytes } = await nextMessage<{ port: number; responseBytes: number }>(upstream);
    const upstreamUrl = `http://127.0.0.1:${port}`;
    const config = [
      'model_list:',
      '  - model_name: direct-openai',
      `    litellm_params: { model: openai/gpt-image-1, api_base: ${upstreamUrl}/v1, api_key: sk-bench }`,
      '  - model_name: mock',
      '    litellm_params: { model: mock/image-1 }',
      '',
    ].join('\n');
    proxy = await startBenchProxy(config);

    const direct: Scenario = { name: 'upstream direct', url: `${upstreamUrl}/v1/images/generations`, body: { model: 'gpt-image-1', prompt: PROMPT, size: '1024x1024' } };
    const openai: Scenario = { name: 'proxy → openai upstream', url: `${proxy.url}/v1/images/generations`, body: { model: 'direct-openai', prompt: PROMPT, size: '1024x1024' } };
    const mock: Scenario = {
      name: 'proxy → mock (PNG drawn in-process)',
      url: `${proxy.url}/v1/images/generations`,
      body: { model: 'mock', prompt: PROMPT, size: '64x64', response_format: 'b64_json' },
    };
    const scenarios = [direct, openai, mock];

    for (const scenario of scenarios) await smokeTest(scenario);
    process.stderr.write(`warming up: ${WARMUP_SECONDS} s per scenario at concurrency 16\n`);
    for (const scenario of scenarios) await load(generator, { url: scenario.url, body: scenario.body, connections: 16, seconds: WARMUP_SECONDS });

    const rows: Row[] = [];
    for (const concurrency of CONCURRENCIES) {
      for (const scenario of scenarios) {
        process.stderr.write(`measuring ${scenario.name}, concurrency ${concurrency}, ${SECONDS} s\n`);
        rows.push({ scenario, concurrency, result: await load(generator, { url: scenario.url, body: scenario.body, connections: concurrency, seconds: SECONDS }) });
      }
    }

    const cpus = os.cpus();
    console.log(`\n${table(rows, direct, openai)}\n`);
    console.log(
      [
        `- Machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), ${os.platform()} ${os.release()}, Node ${process.version}. Load generator, proxy and upstream are separate processes sharing these ${cpus.length} cores, so proxy rows also pay for the extra process competing for CPU. 1-min load average ${loadBefore.toFixed(1)} before, ${os.loadavg()[0]!.toFixed(1)} after (anything else running skews the numbers).`,
        `- autocannon 9, keep-alive, no pipelining, concurrency = connections; ${SECONDS} s per row after ${WARMUP_SECONDS} s warm-up per scenario. Latencies are client-side (per-response hrtime), nearest-rank percentiles.`,
        `- Upstream: node:http stub in its own process answering 200 with a ${responseBytes}-byte JSON body (1 KB b64_json); requests ask for 1024x1024.`,
        '- Mock: the proxy draws a 64x64 PNG in its own process per request (response_format b64_json); there is no network upstream, so its row is proxy + drawing, not comparable hop-for-hop with direct.',
        '- The direct upstream is a do-nothing stub, so req/s vs direct is a worst case; against a real provider (seconds per image) the added milliseconds are what matter.',
        '- Proxy-reported overhead: the x-imagegate-overhead-duration-ms response header (total minus upstream time, rounded to whole ms by the proxy) over every response of the run.',
      ].join('\n'),
    );

    const failed = rows.filter(({ result }) => result.non2xx > 0 || result.errors > 0);
    if (failed.length > 0) {
      console.log(`\nFAIL: non-2xx responses or errors in: ${failed.map((row) => `${row.scenario.name} @${row.concurrency}`).join(', ')}`);
      process.exitCode = 1;
    } else {
      console.log(`\nAll ${rows.reduce((sum, row) => sum + row.result.requests, 0)} measured responses were 2xx.`);
    }
  } finally {
    const proxyExit = await proxy?.stop();
    if (proxy !== undefined && proxyExit !== 0) console.error(`proxy exited with ${proxyExit}\n${proxy.output()}`);
    await Promise.all([stopChild(generator), stopChild(upstream)]);
  }
}

await main();
