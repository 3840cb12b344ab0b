// Small helpers for the proxy e2e tests: raw HTTP calls (for what the official client will not send),
// the OpenAI error envelope and a leak check for secrets in logs and responses.
import { expect } from 'vitest';
import type { ProxyProcess } from '../../helpers/proxy-process.js';

export interface RawReply {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export async function send(url: string, init: RequestInit = {}): Promise<RawReply> {
  const response = await fetch(url, init);
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** POST a body (an object is sent as JSON; a string is sent as is) with the given headers. */
export function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<RawReply> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return send(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: text });
}

export interface ErrorEnvelope {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** Asserts the reply is the OpenAI error envelope with this status (and, when given, type/code/param); returns the error. */
export function expectEnvelope(
  reply: RawReply,
  status: number,
  expected: { type?: string; code?: string | null; param?: string | null } = {},
): ErrorEnvelope['error'] {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.headers.get('content-type') ?? '').toMatch(/^application\/json/);
  const body = reply.json as ErrorEnvelope;
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(body.error).toMatchObject(expected);
  return body.error;
}

/** Asserts none of the secrets occurs in any of the texts; names the secret and the text's label when one does. */
export function expectNoSecrets(texts: Record<string, string>, secrets: Record<string, string>): void {
  const leaks: string[] = [];
  for (const [label, text] of Object.entries(texts)) {
    for (const [name, secret] of Object.entries(secrets)) if (text.includes(secret)) leaks.push(`${name} in ${label}`);
  }
  expect(leaks).toEqual([]);
}

export const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
export const fromB64 = (value: string | undefined): string => Buffer.from(value ?? '', 'base64').toString('utf8');

/**
 * Everything the proxy writes to stdout from now on, JSON or not (logs() keeps only JSON lines); with the
 * start-up lines from logs(), this is all the process printed.
 */
export function captureStdout(proxy: ProxyProcess): () => string {
  const chunks: string[] = [];
  proxy.child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  return () => `${JSON.stringify(proxy.logs())}\n${chunks.join('')}`;
}
