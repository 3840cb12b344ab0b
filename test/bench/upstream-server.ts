// Child process: a minimal OpenAI-shaped images upstream for the bench. Always answers 200 with a ~1 KB b64_json image.
// Tells its parent the port over IPC; exits on SIGTERM or when the parent disconnects.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

const body = JSON.stringify({ created: 1700000000, data: [{ b64_json: randomBytes(768).toString('base64') }] }); // 1024 base64 chars

const server = createServer((req, res) => {
  req.resume(); // drain the request body
  req.on('end', () => {
    if (req.method === 'POST' && req.url === '/v1/images/generations') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
    }
  });
});

function shutdown(): void {
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on('SIGTERM', shutdown);
process.on('disconnect', shutdown);

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('unexpected server address');
  process.send!({ port: address.port, responseBytes: Buffer.byteLength(body) });
});
