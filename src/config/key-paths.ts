// Key paths into a config: from ajv's JSON pointers, and the value at one.
import type { KeyPath } from './config-error.js';

/** Key path of a JSON pointer; segments under lists become indexes. */
export function pointerToPath(data: unknown, pointer: string): KeyPath {
  const path: (string | number)[] = [];
  let node = data;
  for (const escaped of pointer.split('/').slice(1)) {
    const key = escaped.replace(/~1/g, '/').replace(/~0/g, '~');
    const segment = Array.isArray(node) ? Number(key) : key;
    path.push(segment);
    node = node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[segment] : undefined;
  }
  return path;
}

export function valueAt(data: unknown, path: KeyPath): unknown {
  let node = data;
  for (const segment of path) {
    if (node === null || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, segment)) return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}
