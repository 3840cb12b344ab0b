// multipart/form-data bodies written by hand, so every part of them can be wrong: boundaries, part headers, names,
// encodings, the closing delimiter.

export interface FormPart {
  /** The Content-Disposition line's value, as written (name="...", filename=..., or anything else). */
  disposition: string | Buffer;
  contentType?: string;
  /** More header lines of the part, written as they are. */
  extraHeaders?: string[];
  body: Buffer;
}

export interface FormLayout {
  boundary: string;
  parts: FormPart[];
  /** Write the closing `--boundary--` (a body without it is truncated). */
  closing: boolean;
  /** Bytes before the first delimiter and after the last one (both are to be ignored by a reader). */
  preamble?: Buffer;
  epilogue?: Buffer;
  /** Line breaks as bare LF instead of CRLF. */
  bareLf?: boolean;
}

export function textPart(name: string, value: string | Buffer, contentType?: string): FormPart {
  return { disposition: `form-data; name="${name}"`, contentType, body: Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8') };
}

export function filePart(name: string, bytes: Buffer, filename = 'image.png', contentType = 'image/png'): FormPart {
  return { disposition: `form-data; name="${name}"; filename="${filename}"`, contentType, body: bytes };
}

export function multipartBody(layout: FormLayout): Buffer {
  const eol = layout.bareLf === true ? '\n' : '\r\n';
  const out: Buffer[] = [];
  if (layout.preamble !== undefined) out.push(layout.preamble, Buffer.from(eol));
  for (const part of layout.parts) {
    out.push(Buffer.from(`--${layout.boundary}${eol}Content-Disposition: `, 'latin1'));
    out.push(typeof part.disposition === 'string' ? Buffer.from(part.disposition, 'utf8') : part.disposition, Buffer.from(eol));
    if (part.contentType !== undefined) out.push(Buffer.from(`Content-Type: ${part.contentType}${eol}`, 'latin1'));
    for (const line of part.extraHeaders ?? []) out.push(Buffer.from(`${line}${eol}`, 'utf8'));
    out.push(Buffer.from(eol), part.body, Buffer.from(eol));
  }
  if (layout.closing) out.push(Buffer.from(`--${layout.boundary}--${eol}`, 'latin1'));
  if (layout.epilogue !== undefined) out.push(layout.epilogue);
  return Buffer.concat(out);
}
