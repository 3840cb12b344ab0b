// Requests that never reach a route: ones Node's HTTP parser refuses, URLs the router cannot read, and unknown
// Expect headers. Node and fastify would answer these with bodies of their own (or none); here they get the OpenAI
// error envelope like every other answer.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { envelope } from './error-reply.js';

const CLIENT_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    code: 'request_timeout',
    message:
      'The request did not arrive in time: send the headers within general_settings.client_header_timeout_seconds and the whole request within client_request_timeout_seconds.',
  },
  HPE_HEADER_OVERFLOW: { status: 431, code: 'headers_too_large', message: 'The request headers are larger than the 16 KB this server accepts.' },
};

const INVALID_HTTP = {
  status: 400,
  code: 'invalid_http',
  message: 'The request is not valid HTTP/1.1 (a malformed header, conflicting Content-Length and Transfer-Encoding, or a body cut short).',
};

/** For the server's 'clientError' event: the envelope, then the connection is closed (its state is unknown). */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, code, message } = CLIENT_ERRORS[error.code ?? ''] ?? INVALID_HTTP;
  if (socket.writable) {
    const body = JSON.stringify(envelope(status, message, code).body);
    socket.write(
      `HTTP/1.1 ${status} ${code.replace(/_/g, ' ')}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/** fastify's frameworkErrors: a URL whose percent-encoding is malformed, or a path parameter over the length limit. */
export function answerFrameworkError(error: Error & { code?: string; statusCode?: number }, _request: FastifyRequest, reply: FastifyReply): void {
  const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
  const { status, body } = tooLong
    ? envelope(414, 'A path segment (the deployment name) is too long: deployment names have at most 500 characters.', 'path_too_long')
    : envelope(400, 'The request URL is not valid: a path segment has a malformed percent-encoding.', 'invalid_url');
  reply.code(status).send(body);
}

/** For the server's 'checkExpectation' event: only `Expect: 100-continue` is understood. */
export function answerUnknownExpectation(_request: IncomingMessage, response: ServerResponse): void {
  const { status, body } = envelope(417, 'Unsupported Expect header: only "Expect: 100-continue" is understood. Send the request without it.', 'expectation_failed');
  response.writeHead(status, { 'content-type': 'application/json', connection: 'close' }).end(JSON.stringify(body));
}
