// The wire body as bytes: JSON, or multipart/form-data (fields from the body's top-level keys, files as parts).
import type { FilePart, WireRequest } from '../provider/types.js';

export interface EncodedBody {
  body: string | Uint8Array;
  contentType: string;
}

function fieldValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function addFiles(form: FormData, part: FilePart): void {
  const name = part.files.length > 1 && part.repeatAs !== undefined ? part.repeatAs : part.name;
  for (const file of part.files) form.append(name, new Blob([file.bytes], { type: file.mediaType }), file.filename);
}

export async function encodeBody(wire: WireRequest): Promise<EncodedBody> {
  if (wire.encoding !== 'multipart') return { body: JSON.stringify(wire.body), contentType: 'application/json' };
  const form = new FormData();
  for (const [name, value] of Object.entries(wire.body)) {
    if (value !== undefined) form.append(name, fieldValue(value));
  }
  for (const part of wire.fileParts ?? []) addFiles(form, part);
  // The platform's own encoder writes the boundary and part headers; the bytes are kept so a retry re-sends them.
  const encoded = new Response(form);
  return { body: new Uint8Array(await encoded.arrayBuffer()), contentType: encoded.headers.get('content-type')! };
}
