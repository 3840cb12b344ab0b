// A local upstream that records every request and answers what the test tells it to.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  bodyText: string;
  body: unknown;
  /** A multipart/form-data body: its text fields and its file parts in order. */
  form?: RecordedForm;
}

export interface RecordedForm {
  fields: Record<string, string>;
  files: { name: string; media_type: string; base64: string }[];
}

async function readForm(bytes: Buffer, contentType: string): Promise<RecordedForm> {
  const form = await new Response(bytes, { headers: { 'content-type': contentType } }).formData();
  const recorded: RecordedForm = { fields: {}, files: [] };
  for (const [name, value] of form.entries()) {
    if (typeof value === 'string') recorded.fields[name] = value;
    else recorded.files.push({ name, media_type: value.type, base64: Buffer.from(await value.arrayBuffer()).toString("base64") });
  }
  return recorded;
}

export interface CannedResponse {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
  delayMs?: number;
}

export interface RecordingServer {
  url: string;
  requests: RecordedRequest[];
  respond(next: CannedResponse | ((request: RecordedRequest) => CannedResponse)): void;
  close(): Promise<void>;
}

export const defaultImageResponse: CannedResponse = { status: 200, body: { created: 1700000000, data: [{ b64_json: 'aGVsbG8=' }] } };

export async function startRecordingServer(): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  let responder: CannedResponse | ((request: RecordedRequest) => CannedResponse) = defaultImageResponse;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const bytes = Buffer.concat(chunks);
      const bodyText = bytes.toString('utf8');
      const contentType = req.headers['content-type'] ?? '';
      const form = contentType.startsWith('multipart/form-data') ? await readForm(bytes, contentType).catch(() => undefined) : undefined;
      let body: unknown;
      try {
        body = JSON.parse(bodyText);
      } catch {
        body = undefined;
      }
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        bodyText,
        body,
        ...(form === undefined ? {} : { form }),
      };
      requests.push(recorded);
      const answer = typeof responder === 'function' ? responder(recorded) : responder;
      const send = () => {
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
      };
      if (answer.delayMs === undefined) send();
      else setTimeout(send, answer.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    respond(next) {
      responder = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
