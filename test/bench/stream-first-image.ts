// Part of npm run bench: the time to the first partial image of a streamed generation, as the official openai client
// sees it, calling the bench's OpenAI-shaped upstream directly and through the proxy; also the whole non-streamed
// request both ways, for comparison. Requests run one at a time, alternating direct and proxied, from the bench's
// parent process (the upstream and the proxy are child processes).
import OpenAI from 'openai';
import { percentile } from './protocol.js';

export interface StreamFirstImageOptions {
  /** The upstream's OpenAI base URL (…/v1) and the model it is asked for. */
  direct: { baseURL: string; model: string };
  /** The proxy's base URL (…/v1) and the model group routed to that upstream. */
  proxy: { baseURL: string; model: string };
  runs: number;
  warmup: number;
}

export interface StreamFirstImageRow {
  name: string;
  /** Sorted, ms. */
  samples: number[];
  /** The direct row this one compares with. */
  direct?: StreamFirstImageRow;
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

export async function measureStreamFirstImage(options: StreamFirstImageOptions): Promise<StreamFirstImageRow[]> {
  const direct = new OpenAI({ baseURL: options.direct.baseURL, apiKey: 'sk-bench', maxRetries: 0 });
  const viaProxy = new OpenAI({ baseURL: options.proxy.baseURL, apiKey: 'sk-bench', maxRetries: 0 });
  const scenarios = [
    { name: 'first partial image, upstream direct', run: () => firstPartialMs(direct, options.direct.model) },
    { name: 'first partial image, through imagegate', run: () => firstPartialMs(viaProxy, options.proxy.model) },
    { name: 'whole non-streamed 1 KB request, upstream direct', run: () => wholeRequestMs(direct, options.direct.model) },
    { name: 'whole non-streamed 1 KB request, through imagegate', run: () => wholeRequestMs(viaProxy, options.proxy.model) },
  ];
  const samples = scenarios.map(() => [] as number[]);
  for (let round = 0; round < options.warmup + options.runs; round++) {
    for (const [index, scenario] of scenarios.entries()) {
      const ms = await scenario.run();
      if (round >= options.warmup) samples[index]!.push(ms);
    }
  }
  const rows: StreamFirstImageRow[] = scenarios.map((scenario, index) => ({ name: scenario.name, samples: samples[index]!.sort((a, b) => a - b) }));
  for (let index = 1; index < rows.length; index += 2) rows[index]!.direct = rows[index - 1]!;
  return rows;
}

export function streamFirstImageTable(rows: StreamFirstImageRow[]): string {
  const lines = ['| scenario (concurrency 1) | runs | p50 ms | p90 ms | p99 ms | added p50 ms vs direct |', '|---|---:|---:|---:|---:|---:|'];
  for (const row of rows) {
    const p50 = percentile(row.samples, 0.5);
    const added =
      row.direct === undefined
        ? '—'
        : `${p50 >= percentile(row.direct.samples, 0.5) ? '+' : ''}${(p50 - percentile(row.direct.samples, 0.5)).toFixed(2)}`;
    lines.push(
      `| ${row.name} | ${row.samples.length} | ${p50.toFixed(2)} | ${percentile(row.samples, 0.9).toFixed(2)} | ${percentile(row.samples, 0.99).toFixed(2)} | ${added} |`,
    );
  }
  return lines.join('\n');
}
