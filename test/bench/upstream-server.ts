// Child process: the bench's stub upstream, one node:http server with two shapes of image API, every answer prebuilt
// once as a Buffer with its content-length:
// - OpenAI-shaped, POST /v1/images/generations: `n: 4` in the request answers 4 images × 2 MiB of base64 (8 MiB, the
//   large payload), anything else one ~1 KB image; both with gpt-image-1's `usage`. `"stream": true` answers OpenAI's
//   event stream (one partial image, then completed), for the time-to-first-partial-image measurement.
// - Bedrock-shaped (Titan Image Generator), POST /model/<modelId>/invoke: `imageGenerationConfig.numberOfImages: 4`
//   answers {"images": [4 × 2 MiB], "error": null}, anything else one ~1 KB image. SigV4 is not checked (a bench).
// Tells its parent the port and the body sizes over IPC; exits on SIGTERM or when the parent disconnects.
// Env: BENCH_FIRST_DELAY_MS (the wait before a stream's first event, default 0).
import { randomBytes } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import { openaiStreamEvents } from '../helpers/image-stream-upstream.js';
import type { UpstreamBodies } from './protocol.js';

const LARGE_IMAGES = 4;
const LARGE_IMAGE_BASE64_CHARS = 2 * 1024 * 1024;
const SMALL_IMAGE_BASE64_CHARS = 1024;
const FIRST_DELAY_MS = Math.max(0, Number(process.env['BENCH_FIRST_DELAY_MS'] ?? 0));

/** Random bytes (as incompressible as a real PNG's) whose base64 is exactly `chars` long. */
const base64Image = (chars: number): string => randomBytes((chars / 4) * 3).toString('base64');

// gpt-image-1's usage: 4160 output tokens per high-quality 1024x1024 image, 272 per low-quality one.
const usage = (images: number, perImage: number) => ({
  input_tokens: 50,
  output_tokens: images * perImage,
  total_tokens: 50 + images * perImage,
  input_tokens_details: { text_tokens: 50, image_tokens: 0 },
});
const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const largeImages = Array.from({ length: LARGE_IMAGES }, () => base64Image(LARGE_IMAGE_BASE64_CHARS));
const smallImage = base64Image(SMALL_IMAGE_BASE64_CHARS);

// OpenAI's order: created, data, then usage.
const openaiSmall = json({ created: 1700000000, data: [{ b64_json: smallImage }], usage: usage(1, 272) });
const openaiLarge = json({ created: 1700000000, data: largeImages.map((b64_json) => ({ b64_json })), usage: usage(LARGE_IMAGES, 4160) });
const bedrockSmall = json({ images: [smallImage], error: null });
const bedrockLarge = json({ images: largeImages, error: null });
const notFound = json({ error: { message: 'not found' } });

function send(res: ServerResponse, status: number, body: Buffer): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length }).end(body);
}

async function sendStream(res: ServerResponse): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
  for (const event of openaiStreamEvents(1, { firstDelayMs: FIRST_DELAY_MS })) {
    if (event.delayMs !== undefined && event.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, event.delayMs));
    if (res.destroyed) return;
    res.write(`event: ${event.event ?? String(event.data['type'])}\ndata: ${JSON.stringify(event.data)}\n\n`);
  }
  res.end();
}

function parse(bytes: Buffer): Record<string, unknown> {
  try {
    const value = JSON.parse(bytes.toString('utf8')) as unknown;
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const BEDROCK_INVOKE = /^\/model\/[^/]+\/invoke$/;

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method === 'POST' && path === '/v1/images/generations') {
      const request = parse(Buffer.concat(chunks));
      if (request['stream'] === true) void sendStream(res);
      else send(res, 200, request['n'] === LARGE_IMAGES ? openaiLarge : openaiSmall);
    } else if (req.method === 'POST' && BEDROCK_INVOKE.test(path)) {
      const config = parse(Buffer.concat(chunks))['imageGenerationConfig'] as Record<string, unknown> | undefined;
      send(res, 200, config?.['numberOfImages'] === LARGE_IMAGES ? bedrockLarge : bedrockSmall);
    } else {
      send(res, 404, notFound);
    }
  });
});
server.keepAliveTimeout = 60_000;

function shutdown(): void {
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on('SIGTERM', shutdown);
process.on('disconnect', shutdown);

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('unexpected server address');
  const bodies: UpstreamBodies = {
    openaiSmall: openaiSmall.length,
    openaiLarge: openaiLarge.length,
    bedrockSmall: bedrockSmall.length,
    bedrockLarge: bedrockLarge.length,
  };
  process.send!({ port: address.port, bodies });
});
