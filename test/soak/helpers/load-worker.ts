// Child process (forked by soak.test.ts): autocannon at a fixed rate, in a process of its own so the load generator
// does not share an event loop with the test, nor starve the proxy of CPU by running flat out.
// Every answer is checked (an image in the OpenAI shape) and searched for the secrets as it arrives; only a sample
// and the bad ones are kept, so a two-minute soak does not hold every body in memory.
import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';
import type { LoadJob, LoadReply, LoadResult } from './load-protocol.js';

interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  mismatches: number;
  '2xx': number;
  requests: { total: number };
  latency: { p50: number; p99: number; max: number };
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

function isImageAnswer(body: string): boolean {
  try {
    const data = (JSON.parse(body) as { data?: { b64_json?: unknown }[] }).data;
    return typeof data?.[0]?.b64_json === 'string' && data[0].b64_json.length > 100;
  } catch {
    return false;
  }
}

async function run(job: LoadJob): Promise<LoadResult> {
  let answers = 0;
  let secretHits = 0;
  let lastHeaders = '';
  const kept: LoadResult['kept'] = [];
  const hasSecret = (text: string) => job.secrets.some((secret) => text.includes(secret));
  const result = await autocannon({
    url: job.url,
    method: 'POST',
    headers: job.headers,
    body: job.body,
    connections: job.connections,
    overallRate: job.overallRate,
    amount: job.amount,
    timeout: job.timeoutSeconds,
    setupClient(client: EventEmitter) {
      let headersOfThisClient = '';
      client.on('headers', ({ headers }: { headers: string[] }) => {
        headersOfThisClient = headers.join('\n');
        if (hasSecret(headersOfThisClient)) secretHits++;
      });
      // Emitted for a complete answer synchronously just before verifyBody gets its body.
      client.on('response', () => (lastHeaders = headersOfThisClient));
    },
    verifyBody(body: string) {
      answers++;
      const image = isImageAnswer(body);
      if (hasSecret(body)) secretHits++;
      if ((!image && kept.length < 1_000) || answers % job.sampleEvery === 0) kept.push({ headers: lastHeaders, body });
      return image;
    },
  });
  return {
    requests: result.requests.total,
    seconds: result.duration,
    reqPerSec: result.requests.total / result.duration,
    ok2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    mismatches: result.mismatches,
    secretHits,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
    latencyMax: result.latency.max,
    kept,
  };
}

process.on('message', (job: LoadJob) => {
  run(job).then(
    (result) => process.send!({ ok: true, result } satisfies LoadReply),
    (error: unknown) => process.send!({ ok: false, error: String(error) } satisfies LoadReply),
  );
});
process.on('disconnect', () => process.exit(0));
