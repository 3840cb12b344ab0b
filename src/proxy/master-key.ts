// The proxy key check: the key may come as Authorization: Bearer, api-key or x-api-key, compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function presentedKeys(headers: IncomingHttpHeaders): string[] {
  const keys: string[] = [];
  const authorization = headerValue(headers.authorization);
  const bearer = authorization === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
  if (bearer !== undefined) keys.push(bearer);
  for (const name of ['api-key', 'x-api-key']) {
    const value = headerValue(headers[name]);
    if (value !== undefined && value.length > 0) keys.push(value.trim());
  }
  return keys;
}

export function createKeyCheck(masterKey: string): (headers: IncomingHttpHeaders) => boolean {
  // Comparing digests keeps the comparison constant-time whatever the length of what the client sent.
  const expected = digest(masterKey);
  return (headers) => {
    let matched = false;
    for (const key of presentedKeys(headers)) matched = timingSafeEqual(digest(key), expected) || matched;
    return matched;
  };
}
