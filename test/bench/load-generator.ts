// Child process: runs autocannon jobs sent by the parent over IPC, one at a time, so the load generator
// does not share an event loop (or a core, when one is free) with the servers it measures.
// Latencies are taken from each response's hrtime duration (autocannon's own histogram is whole milliseconds):
// autocannon emits 'response' from its parser's on-message-complete, i.e. once the last body byte has arrived, so an
// 8 MB response's latency covers the whole body.
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
const require = createRequire(import.meta.url);
const autocannon = require('autocannon') as Autocannon;

// autocannon appends every body chunk to a per-request string (`body += chunk`) for its verifyBody/onResponse hooks,
// which this bench does not use: for 8 MB responses that is a UTF-8 decode and a string of 8 MB per response, CPU
// taken from the processes being measured on a 2-core machine. Drop the copy; byte counts and timings are untouched.
const queue = (require('autocannon/lib/pipelinedRequestsQueue.js') as { prototype?: { addBody?: unknown } }).prototype;
if (queue === undefined || typeof queue.addBody !== 'function')
  throw new Error('autocannon internals changed: PipelinedRequestsQueue.addBody not found');
queue.addBody = () => {};

const OVERHEAD_HEADER = 'x-imagegate-overhead-duration-ms';

async function run(job: LoadJob): Promise<LoadResult> {
  const latencies: number[] = [];
  const overheads: number[] = [];
  const connections: { startedAt: number; completed: number; lastAt: number }[] = [];
  let short = 0;
  const result = await autocannon({
    url: job.url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(job.body),
    connections: job.connections,
    duration: job.seconds,
    timeout: 30,
    setupClient(client: EventEmitter) {
      const connection = { startedAt: performance.now(), completed: 0, lastAt: 0 };
      connections.push(connection);
      client.on('headers', ({ headers }: { headers: string[] }) => {
        for (let i = 0; i < headers.length; i += 2) {
          if (headers[i]!.toLowerCase() === OVERHEAD_HEADER) overheads.push(Number(headers[i + 1]));
        }
      });
      client.on('response', (status: number, responseBytes: number, durationMs: number) => {
        latencies.push(durationMs);
        connection.completed++;
        connection.lastAt = performance.now();
        if (status >= 200 && status < 300 && responseBytes < (job.minResponseBytes ?? 0)) short++;
      });
    },
  });
  latencies.sort((a, b) => a - b);
  overheads.sort((a, b) => a - b);
  return {
    requests: result.requests.total,
    // Per connection, its responses over the time to its last one, summed: a request cut off when the row ends would
    // otherwise count as no work done, which understates slow rows (up to one request per connection).
    reqPerSec: connections.reduce((sum, c) => sum + (c.completed === 0 ? 0 : c.completed / ((c.lastAt - c.startedAt) / 1000)), 0),
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    non2xx: result.non2xx,
    errors: result.errors,
    short,
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
