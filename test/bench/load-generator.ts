// Child process: runs autocannon jobs sent by the parent over IPC, one at a time, so the load generator
// does not share an event loop (or a core, when one is free) with the servers it measures.
// Latencies are taken from each response's hrtime duration (autocannon's own histogram is whole milliseconds).
import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';
import { percentile, type LoadJob, type LoadResult } from './protocol.js';

interface AutocannonResult {
  duration: number; // seconds
  errors: number;
  timeouts: number;
  non2xx: number;
  requests: { total: number };
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const OVERHEAD_HEADER = 'x-imagegate-overhead-duration-ms';

async function run(job: LoadJob): Promise<LoadResult> {
  const latencies: number[] = [];
  const overheads: number[] = [];
  const result = await autocannon({
    url: job.url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(job.body),
    connections: job.connections,
    duration: job.seconds,
    setupClient(client: EventEmitter) {
      client.on('headers', ({ headers }: { headers: string[] }) => {
        for (let i = 0; i < headers.length; i += 2) {
          if (headers[i]!.toLowerCase() === OVERHEAD_HEADER) overheads.push(Number(headers[i + 1]));
        }
      });
      client.on('response', (_status: number, _bytes: number, durationMs: number) => latencies.push(durationMs));
    },
  });
  latencies.sort((a, b) => a - b);
  overheads.sort((a, b) => a - b);
  return {
    requests: result.requests.total,
    reqPerSec: result.requests.total / result.duration,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    non2xx: result.non2xx,
    errors: result.errors,
    overheadSamples: overheads.length,
    overheadP50: overheads.length > 0 ? percentile(overheads, 0.5) : undefined,
    overheadP99: overheads.length > 0 ? percentile(overheads, 0.99) : undefined,
  };
}

process.on('message', (job: LoadJob) => {
  run(job).then(
    (result) => process.send!({ ok: true, result }),
    (error: unknown) => process.send!({ ok: false, error: String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
