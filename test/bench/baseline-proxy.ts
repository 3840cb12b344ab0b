// Child process: the bench's baseline, a minimal pass-through proxy with no logic, as the practical limit for any
// proxy written in Node. node:http in, undici out through one keep-alive Pool to the upstream: the request body is
// piped up and the response body piped down (undici's stream(), straight into the http response), with the status
// and content-type / content-length. No parsing, routing, auth, logging or error mapping.
// Usage: node baseline-proxy.(ts|mjs) <upstream origin>; tells its parent the port over IPC; exits on SIGTERM or
// when the parent disconnects. The bench runs it under plain node (transpiled), like the built imagegate CLI.
import { createServer, type OutgoingHttpHeaders } from 'node:http';
import { Pool, type Dispatcher } from 'undici';

const origin = process.argv[2];
if (origin === undefined) throw new Error('usage: baseline-proxy <upstream origin>');
const pool = new Pool(origin, { keepAliveTimeout: 60_000 });

const server = createServer((req, res) => {
  const up: Record<string, string> = {};
  if (req.headers['content-type'] !== undefined) up['content-type'] = req.headers['content-type'];
  if (req.headers['content-length'] !== undefined) up['content-length'] = req.headers['content-length'];
  pool
    .stream({ path: req.url ?? '/', method: (req.method ?? 'GET') as Dispatcher.HttpMethod, headers: up, body: req }, ({ statusCode, headers }) => {
      const down: OutgoingHttpHeaders = {};
      for (const name of ['content-type', 'content-length']) if (headers[name] !== undefined) down[name] = headers[name];
      res.writeHead(statusCode, down);
      return res;
    })
    .catch((error: unknown) => {
      if (res.headersSent) res.destroy(error as Error);
      else res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: String(error) } }));
    });
});
server.keepAliveTimeout = 60_000;

let stopping = false;
function shutdown(): void {
  if (stopping) return;
  stopping = true;
  server.close(() => void pool.close().then(() => process.exit(0)));
  server.closeAllConnections();
}
process.on('SIGTERM', shutdown);
process.on('disconnect', shutdown);

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('unexpected server address');
  process.send!({ port: address.port });
});
