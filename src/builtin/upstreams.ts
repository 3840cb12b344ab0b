// Built-in upstreams: servers that live inside imagegate and are reached with builtin://<name>/ URLs,
// so a provider spec can point at them and run fully offline through the same pipeline.
import type { HttpRequest, HttpResponse } from '../http/transport.js';

/** A built-in upstream's answer: with `stream`, the body is sent as the stream produces it and `body` is ignored. */
export type BuiltinResponse = HttpResponse & { stream?: AsyncIterable<Uint8Array> };

export type BuiltinUpstream = (request: HttpRequest, signal: AbortSignal) => Promise<BuiltinResponse>;

const upstreams: Record<string, () => Promise<BuiltinUpstream>> = {
  'synthetic-images': async () => (await import('./synthetic-images-upstream.js')).handleSyntheticImages,
};

export const BUILTIN_PROTOCOL = 'builtin:';

const loaded = new Map<string, BuiltinUpstream>();

export async function callBuiltin(request: HttpRequest, signal: AbortSignal): Promise<BuiltinResponse> {
  const name = new URL(request.url).host;
  const load = Object.prototype.hasOwnProperty.call(upstreams, name) ? upstreams[name] : undefined;
  if (load === undefined) {
    return { status: 404, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: { message: `No built-in upstream named ${name}.`, type: 'not_found_error', param: null, code: 'not_found' } }) };
  }
  let handler = loaded.get(name);
  if (handler === undefined) {
    handler = await load();
    loaded.set(name, handler);
  }
  return handler(request, signal);
}
