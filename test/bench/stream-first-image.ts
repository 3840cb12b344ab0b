// npx tsx test/bench/stream-first-image.ts (after npm run build): the time to the first partial image of a streamed
// generation, as the official openai client sees it, calling a local OpenAI-shaped upstream directly and through
// the built proxy (its own process, --log-level warn); also the whole non-streamed request both ways, for
// comparison. Requests run one at a time, alternating direct and proxied; prints one markdown table.
// Env: BENCH_RUNS (per scenario, default 200), BENCH_FIRST_DELAY_MS (the upstream's wait before its first
// event, default 0).
import os from 'node:os';
import OpenAI from 'openai';
import { openaiStreamEvents, startImageStreamUpstream } from '../helpers/image-stream-upstream.js';
import { startBenchProxy } from './proxy-server.js';

const RUNS = Math.max(1, Number(process.env['BENCH_RUNS'] ?? 200));
const FIRST_DELAY_MS = Math.max(0, Number(process.env['BENCH_FIRST_DELAY_MS'] ?? 0));
const WARMUP = 20;

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

async function firstPartialMs(api: OpenAI, model: string): Promise<number> {
  const started = performance.now();
  const stream = await api.images.generate({ model, prompt: 'a red fox', stream: true, partial_images: 1 });
  let first = Number.NaN;
  for await (const event of stream) if (Number.isNaN(first) && event.type === 'image_generation.partial_image') first = performance.now() - started;
  if (Number.isNaN(first)) throw new Error('the stream had no partial image');
  return first;
}

async function wholeRequestMs(api: OpenAI, model: string): Promise<number> {
  const started = performance.now();
  await api.images.generate({ model, prompt: 'a red fox' });
  return performance.now() - started;
}

async function main(): Promise<void> {
  const upstream = await startImageStreamUpstream();
  upstream.respond((request) =>
    request.json?.['stream'] === true
      ? { kind: 'sse', events: openaiStreamEvents(1, { firstDelayMs: FIRST_DELAY_MS }) }
      : { kind: 'json', status: 200, body: { created: 1700000000, data: [{ b64_json: 'aGVsbG8=' }] } },
  );
  const proxy = await startBenchProxy(`model_list:\n  - model_name: images\n    litellm_params: { model: openai/gpt-image-1, api_base: "${upstream.url}/v1", api_key: sk-bench }\n`);
  try {
    const direct = new OpenAI({ baseURL: `${upstream.url}/v1`, apiKey: 'sk-bench', maxRetries: 0 });
    const viaProxy = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'sk-bench', maxRetries: 0 });
    const scenarios = [
      { name: 'first partial image, upstream direct', run: () => firstPartialMs(direct, 'gpt-image-1') },
      { name: 'first partial image, through the proxy', run: () => firstPartialMs(viaProxy, 'images') },
      { name: 'whole non-streamed request, upstream direct', run: () => wholeRequestMs(direct, 'gpt-image-1') },
      { name: 'whole non-streamed request, through the proxy', run: () => wholeRequestMs(viaProxy, 'images') },
    ];
    const samples = scenarios.map(() => [] as number[]);
    for (let round = 0; round < WARMUP + RUNS; round++) {
      for (const [index, scenario] of scenarios.entries()) {
        const ms = await scenario.run();
        if (round >= WARMUP) samples[index]!.push(ms);
      }
    }
    const lines = ['| scenario | runs | p50 ms | p90 ms | p99 ms | added p50 ms vs direct |', '|---|---:|---:|---:|---:|---:|'];
    for (const [index, scenario] of scenarios.entries()) {
      const values = samples[index]!;
      const added = index % 2 === 1 ? `+${(percentile(values, 0.5) - percentile(samples[index - 1]!, 0.5)).toFixed(2)}` : '—';
      lines.push(`| ${scenario.name} | ${values.length} | ${percentile(values, 0.5).toFixed(2)} | ${percentile(values, 0.9).toFixed(2)} | ${percentile(values, 0.99).toFixed(2)} | ${added} |`);
    }
    const cpus = os.cpus();
    console.log(`\n${lines.join('\n')}\n`);
    console.log(
      `- ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}; upstream and client in this process, the proxy in its own. ` +
        `Upstream waits ${FIRST_DELAY_MS} ms before its first event; sequential requests, keep-alive, ${WARMUP} warm-up rounds.`,
    );
  } finally {
    await proxy.stop();
    await upstream.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
