// The OpenAI deployment behind the fuzzed proxy: a loopback server that answers every images request with a valid
// ImagesResponse (or, when the request asked to stream, one completed event). It keeps nothing but counters, so
// thousands of requests through it leave no trace in the heap.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodePng } from '../../src/builtin/png.js';

export interface FuzzUpstream {
  /** http://127.0.0.1:<port>/v1 */
  apiBase: string;
  /** Requests answered, and the api key each one carried (the proxy must send the deployment's). */
  stats: { requests: number; wrongKey: number };
  close(): Promise<void>;
}

const PNG_B64 = encodePng(2, 2, Buffer.alloc(12, 90)).toString('base64');

/** A request that asked to stream: `"stream": true` at the top of its JSON, or a multipart `stream` field of true. */
async function wantsStream(body: Buffer, contentType: string): Promise<boolean> {
  try {
    if (contentType.startsWith('multipart/form-data')) {
      const form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
      return form.get('stream') === 'true';
    }
    return (JSON.parse(body.toString('utf8')) as { stream?: unknown }).stream === true;
  } catch {
    return false;
  }
}

async function answer(request: IncomingMessage, response: ServerResponse, body: Buffer): Promise<void> {
  const contentType = request.headers['content-type'] ?? '';
  const edit = (request.url ?? '').includes('/images/edits');
  if (await wantsStream(body, contentType)) {
    const type = edit ? 'image_edit.completed' : 'image_generation.completed';
    const event = {
      type,
      b64_json: PNG_B64,
      created_at: 1700000000,
      size: '1024x1024',
      quality: 'low',
      background: 'opaque',
      output_format: 'png',
      usage: { input_tokens: 5, output_tokens: 10, total_tokens: 15, input_tokens_details: { text_tokens: 5, image_tokens: 0 } },
    };
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.end(`event: ${type}\ndata: ${JSON.stringify(event)}\n\n`);
    return;
  }
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ created: 1700000000, data: [{ b64_json: PNG_B64 }] }));
}

export async function startFuzzUpstream(apiKey: string): Promise<FuzzUpstream> {
  const stats = { requests: 0, wrongKey: 0 };
  const server: Server = createServer((request, response) => {
    stats.requests++;
    if (request.headers.authorization !== `Bearer ${apiKey}`) stats.wrongKey++;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => void answer(request, response, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiBase: `http://127.0.0.1:${port}/v1`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
