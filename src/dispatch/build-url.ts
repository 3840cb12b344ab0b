// The request URL: base URL setting + the operation path, unless the base already names the operation.
import type { GenerateOperation, WireRequest } from '../provider/types.js';

function operationSuffix(pathTemplate: string): string {
  const lastParam = pathTemplate.lastIndexOf('}');
  return lastParam === -1 ? pathTemplate : pathTemplate.slice(lastParam + 1);
}

export function buildUrl(operation: GenerateOperation, base: string, wire: WireRequest, pathTemplate = operation.pathTemplate): URL {
  const marker = operation.fullUrlWhenBaseContains;
  let url: URL;
  if (marker !== undefined && base.includes(marker)) {
    url = new URL(base);
    const suffix = operationSuffix(pathTemplate);
    url.pathname = url.pathname.replace(/\/+$/, '');
    if (!url.pathname.endsWith(suffix)) url.pathname += suffix;
  } else {
    const parsed = new URL(base);
    url = new URL(`${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, '')}${wire.path}${parsed.search}`);
  }
  for (const [name, value] of Object.entries(wire.query)) {
    if (!url.searchParams.has(name)) url.searchParams.set(name, value);
  }
  return url;
}

/** The base URL without credentials or query, safe to report. */
export function publicBase(base: string): string {
  const url = new URL(base);
  return `${url.protocol}//${url.host}${url.pathname}`;
}
