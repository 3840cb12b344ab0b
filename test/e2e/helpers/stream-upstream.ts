// The streaming/edits upstream for e2e tests, closed after each test whatever it asserted; plus the proxy config
// of one OpenAI-shaped deployment on it.
import { afterEach } from 'vitest';
import { startImageStreamUpstream, type ImageStreamUpstream, type UpstreamAnswer } from '../../helpers/image-stream-upstream.js';

const started: ImageStreamUpstream[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((server) => server.close()));
});

export async function streamUpstream(answer?: UpstreamAnswer | ((request: ImageStreamUpstream['requests'][number]) => UpstreamAnswer)): Promise<ImageStreamUpstream> {
  const server = await startImageStreamUpstream();
  if (answer !== undefined) server.respond(answer);
  started.push(server);
  return server;
}

/** litellm_params of an OpenAI deployment on this upstream. */
export function openaiDeployment(server: ImageStreamUpstream, model = 'gpt-image-1'): string {
  return `{ model: openai/${model}, api_base: "${server.url}/v1", api_key: sk-upstream-test }`;
}

/** Resolves with the value, or rejects after ms. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms))]);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
