// JSON text as a hostile client writes it, which JSON.stringify cannot: any number literal (1e999, -0, 2^53+1),
// duplicate and __proto__ keys, raw (possibly invalid) fragments and invalid UTF-8 bytes.

/** Written verbatim, as UTF-8: a number literal, a deep nesting, a fragment of broken JSON. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** Written verbatim as bytes: invalid UTF-8 inside a string, a BOM, binary junk. */
export class RawBytes {
  constructor(readonly bytes: Buffer) {}
}

/** An object as a list of entries, so keys may repeat and may be __proto__ or constructor. */
export class JsonObject {
  constructor(readonly entries: [string, JsonText][]) {}

  get(key: string): JsonText | undefined {
    return this.entries.find(([name]) => name === key)?.[1];
  }

  /** A copy with `key` set (replacing every earlier entry of it), or removed when value is undefined. */
  with(key: string, value: JsonText | undefined): JsonObject {
    const kept = this.entries.filter(([name]) => name !== key);
    return new JsonObject(value === undefined ? kept : [...kept, [key, value]]);
  }
}

export type JsonText = null | boolean | number | string | RawJson | RawBytes | JsonObject | JsonText[];

function pieces(value: JsonText, out: Buffer[]): void {
  if (value instanceof RawBytes) out.push(value.bytes);
  else if (value instanceof RawJson) out.push(Buffer.from(value.text, 'utf8'));
  else if (value instanceof JsonObject) {
    out.push(Buffer.from('{'));
    value.entries.forEach(([key, entry], index) => {
      out.push(Buffer.from(`${index > 0 ? ',' : ''}${JSON.stringify(key)}:`, 'utf8'));
      pieces(entry, out);
    });
    out.push(Buffer.from('}'));
  } else if (Array.isArray(value)) {
    out.push(Buffer.from('['));
    value.forEach((item, index) => {
      if (index > 0) out.push(Buffer.from(','));
      pieces(item, out);
    });
    out.push(Buffer.from(']'));
    // JSON.stringify escapes lone surrogates (\ud800), so a string stays valid UTF-8 and parses back to itself.
  } else out.push(Buffer.from(JSON.stringify(value) ?? 'null', 'utf8'));
}

export function jsonBytes(value: JsonText): Buffer {
  const out: Buffer[] = [];
  pieces(value, out);
  return Buffer.concat(out);
}

/** A short, readable description of a body for failure reports. */
export function preview(bytes: Buffer, limit = 300): string {
  const text = bytes.toString('latin1');
  return text.length <= limit ? JSON.stringify(text) : `${JSON.stringify(text.slice(0, limit))}... (${bytes.length} bytes)`;
}
