// Helpers used by generated request translators.
import { isDeepStrictEqual } from 'node:util';
import { BadRequestError } from '../errors/classes.js';
import type { ImageFile } from '../provider/types.js';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

type Container = Record<string, unknown> | unknown[];

function define(container: Container, key: string | number, value: unknown): void {
  Object.defineProperty(container, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Copies provider-specific params into the body (or the object at `at`), except those the mapping writes elsewhere. */
export function applyExtras(
  body: Record<string, unknown>,
  extras: Readonly<Record<string, unknown>>,
  mappedElsewhere: readonly string[] = [],
  at: readonly (string | number)[] = [],
): void {
  for (const [key, value] of Object.entries(extras)) {
    if (FORBIDDEN_KEYS.has(key) || value === undefined || mappedElsewhere.includes(key)) continue;
    if (at.length === 0) define(body, key, value);
    else writeAt(body, [...at, key], value, key);
  }
}

function isContainer(value: unknown): value is Container {
  return value !== null && typeof value === 'object';
}

function pointerOf(path: readonly (string | number)[]): string {
  return `/${path.join('/')}`;
}

/**
 * Writes a value at a path in the body, creating objects (or arrays for numeric segments). Containers on
 * the path are copied first, because they may be the caller's own objects passed as provider params. A
 * value the caller already set there differently is a conflict, never silently overwritten.
 */
export function writeAt(body: Record<string, unknown>, path: readonly (string | number)[], value: unknown, source: string): void {
  let node: Container = body;
  for (let index = 0; index < path.length - 1; index++) {
    const segment = path[index]!;
    const existing: unknown = (node as Record<string | number, unknown>)[segment];
    if (existing !== undefined && !isContainer(existing)) {
      throw new BadRequestError(`${source} needs ${pointerOf(path.slice(0, index + 1))} to be an object, but the request sets it to ${JSON.stringify(existing)}. Remove that param.`, {
        param: String(path[0]),
        code: 'conflicting_params',
      });
    }
    const copy: Container = existing === undefined ? (typeof path[index + 1] === 'number' ? [] : {}) : Array.isArray(existing) ? [...existing] : { ...existing };
    define(node, segment, copy);
    node = copy;
  }
  const last = path[path.length - 1]!;
  const current = (node as Record<string | number, unknown>)[last];
  if (current !== undefined && !isDeepStrictEqual(current, value)) {
    throw new BadRequestError(
      `${source} sets ${pointerOf(path)} to ${JSON.stringify(value)}, but the request also sets it directly to ${JSON.stringify(current)}. Give only one of them.`,
      { param: String(path[0]), code: 'conflicting_params' },
    );
  }
  define(node, last, value);
}

/** Writes a param's value (translated through the mapping's value table, if any) when the caller gave it. */
export function writeParam(
  body: Record<string, unknown>,
  path: readonly (string | number)[],
  value: unknown,
  param: string,
  table?: Readonly<Record<string, string | number | boolean>>,
): void {
  if (value === undefined) return;
  writeAt(body, path, table === undefined ? value : mapValue(value, table, param), param);
}

/** A unified value translated through the mapping's value table. */
export function mapValue(value: unknown, table: Readonly<Record<string, string | number | boolean>>, param: string): unknown {
  const key = String(value);
  if (Object.prototype.hasOwnProperty.call(table, key)) return table[key];
  throw new BadRequestError(`${param}=${JSON.stringify(value)} has no provider equivalent; use one of ${Object.keys(table).join(', ')}.`, {
    param,
    code: 'unsupported_value',
  });
}

/**
 * One path segment. "." and ".." are encoded too, so no value can walk the URL path. "@" stays as is: it is
 * legal in a segment and model names such as imagegeneration@006 appear that way in published paths.
 */
export function encodePathParam(value: string): string {
  const encoded = encodeURIComponent(value).replace(/%40/g, '@');
  return encoded === '.' || encoded === '..' ? encoded.replace(/\./g, '%2E') : encoded;
}

export function requireSetting(settings: Readonly<Record<string, string | undefined>>, name: string): string {
  const value = settings[name];
  if (value === undefined) throw new Error(`setting ${name} was not resolved before translation`);
  return value;
}

export interface FileWriteOptions {
  item?: Readonly<Record<string, 'base64' | 'media_type' | 'data_url'>>;
  list: 'single' | 'array' | 'append';
}

function fileValue(file: ImageFile, what: 'base64' | 'media_type' | 'data_url'): string {
  const base64 = Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength).toString('base64');
  if (what === 'base64') return base64;
  if (what === 'media_type') return file.mediaType;
  return `data:${file.mediaType};base64,${base64}`;
}

function fileItem(file: ImageFile, item: FileWriteOptions['item']): unknown {
  if (item === undefined) return fileValue(file, 'base64');
  const object: Record<string, unknown> = {};
  for (const [pointer, what] of Object.entries(item)) writeAt(object, pointer.split('/').slice(1), fileValue(file, what), 'file');
  return object;
}

/** Writes input files into a JSON body: one value, an array, or items appended to an array the mapping already started. */
export function writeFiles(body: Record<string, unknown>, path: readonly (string | number)[], files: readonly ImageFile[], options: FileWriteOptions, param: string): void {
  const items = files.map((file) => fileItem(file, options.item));
  if (options.list === 'single') {
    if (items.length !== 1) throw new BadRequestError(`${param} takes one file here, got ${items.length}.`, { param, code: 'too_many_images' });
    writeAt(body, path, items[0], param);
    return;
  }
  if (options.list === 'array') {
    writeAt(body, path, items, param);
    return;
  }
  let node: Record<string | number, unknown> = body;
  for (const segment of path.slice(0, -1)) {
    const next = node[segment];
    if (next === undefined) define(node as Container, segment, typeof segment === 'number' ? [] : {});
    node = node[segment] as Record<string | number, unknown>;
  }
  const last = path[path.length - 1]!;
  const existing = node[last];
  define(node as Container, last, Array.isArray(existing) ? [...(existing as unknown[]), ...items] : items);
}
