// The request URL: base URL setting + the operation path, unless the base already names the operation.
import { BoundedCache } from '../bounded-cache.js';
import type { GenerateOperation, WireRequest } from '../provider/types.js';

function operationSuffix(pathTemplate: string): string {
  const lastParam = pathTemplate.lastIndexOf('}');
  return lastParam === -1 ? pathTemplate : pathTemplate.slice(lastParam + 1);
}

/**
 * A base that already names an operation is used as given; one that names a sibling operation of the same
 * provider (a generations URL configured for a deployment that also serves edits) has that operation swapped.
 */
export function buildUrl(operation: GenerateOperation, base: string, wire: WireRequest, pathTemplate = operation.pathTemplate, siblingPaths: readonly string[] = []): URL {
  const marker = operation.fullUrlWhenBaseContains;
  let url: URL;
  if (marker !== undefined && base.includes(marker)) {
    url = new URL(base);
    const suffix = operationSuffix(pathTemplate);
    url.pathname = url.pathname.replace(/\/+$/, '');
    const sibling = siblingPaths.map(operationSuffix).find((other) => other !== suffix && url.pathname.endsWith(other));
    if (sibling !== undefined) url.pathname = url.pathname.slice(0, -sibling.length);
    if (!url.pathname.endsWith(suffix)) url.pathname += suffix;
  } else {
    const { prefix, search } = baseParts(base);
    url = new URL(`${prefix}${wire.path}${search}`);
  }
  for (const [name, value] of Object.entries(wire.query)) {
    if (!url.searchParams.has(name)) url.searchParams.set(name, value);
  }
  return url;
}

// Each base URL is split once.
const splitBases = new BoundedCache<{ prefix: string; search: string }>();

function baseParts(base: string): { prefix: string; search: string } {
  return splitBases.get(base, () => {
    const parsed = new URL(base);
    return { prefix: `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, '')}`, search: parsed.search };
  });
}

/** The base URL without credentials or query, safe to report. */
export function publicBase(base: string): string {
  const { prefix } = baseParts(base);
  return prefix;
}
