// Reads a JSON answer as it arrives, without decoding its long strings (the base64 images): they are kept as the
// raw bytes between their quotes ("blobs") and the rest of the document, with a short marker in each blob's place,
// is the "skeleton": a small JSON text that the usual translation can parse. Long strings are crossed with
// Buffer.indexOf, so scanning 8 MB of base64 costs about a memchr, where JSON.parse plus JSON.stringify cost tens of ms.
// The scanner checks only what it needs (strings, nesting, keys); the skeleton's JSON.parse checks the rest.
import { randomBytes } from 'node:crypto';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;

/** Strings at least this long (raw bytes) are blobs. */
export const MIN_BLOB_BYTES = 1024;
/** A blob's marker keeps up to this many of its first bytes, so checks on a value's start (a URL scheme) still work. */
const MARKER_PREFIX_BYTES = 64;
// A blob's marker is the JSON escape \u0000 (a NUL no image string holds) and a per-process nonce, then its index.
const MARKER_NONCE = randomBytes(6).toString('hex');
const MARKER_TAG = `\\u0000imagegate-blob-${MARKER_NONCE}-`;
const MARKER_PATTERN = new RegExp(`\\\\u0000imagegate-blob-${MARKER_NONCE}-(\\d+)`, 'g');

export interface Blob {
  /** The raw bytes between the quotes (still JSON-escaped), unless the scanner was told not to keep them. */
  parts: Buffer[];
  length: number;
  /** The leading printable ASCII bytes (up to 64), as they appear in the marker. */
  prefix: string;
}

interface Frame {
  isObject: boolean;
  /** Object: the last key read. */
  key: string | undefined;
  /** Array: the index of the current element. */
  index: number;
  expectKey: boolean;
}

export interface ScannerOptions {
  /** Keep each blob's bytes (to write them out again); off when the original bytes are forwarded as they are. */
  keepBlobs: boolean;
}

export class BlobScanner {
  readonly blobs: Blob[] = [];
  /** Bytes scanned so far. */
  length = 0;
  /** A non-empty string value started at /data/0/b64_json: an OpenAI-shaped answer carries an image. */
  imageStarted = false;
  /** Keys of the top-level object seen so far. */
  readonly topLevelKeys = new Set<string>();

  private readonly skeleton: Buffer[] = [];
  private readonly stack: Frame[] = [];
  private inString = false;
  private stringIsKey = false;
  private stringParts: Buffer[] = [];
  private stringLength = 0;
  private stringPrefix = '';
  private prefixDone = false;
  /** Consecutive backslashes at the end of the string's bytes so far (an odd count escapes the next quote). */
  private trailingBackslashes = 0;

  constructor(private readonly options: ScannerOptions) {}

  push(chunk: Buffer): void {
    this.length += chunk.length;
    let position = 0;
    let copiedFrom = 0;
    while (position < chunk.length) {
      if (this.inString) {
        const end = this.closingQuote(chunk, position);
        if (end === -1) {
          this.addStringBytes(chunk.subarray(position));
          return;
        }
        this.addStringBytes(chunk.subarray(position, end));
        this.endString();
        copiedFrom = end;
        position = end + 1;
        continue;
      }
      const byte = chunk[position]!;
      if (byte === QUOTE) {
        this.skeleton.push(chunk.subarray(copiedFrom, position + 1));
        this.startString();
      } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
        this.stack.push({ isObject: byte === OPEN_OBJECT, key: undefined, index: 0, expectKey: byte === OPEN_OBJECT });
      } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
        this.stack.pop();
      } else if (byte === COLON) {
        const top = this.stack.at(-1);
        if (top !== undefined) top.expectKey = false;
      } else if (byte === COMMA) {
        const top = this.stack.at(-1);
        if (top?.isObject === true) top.expectKey = true;
        else if (top !== undefined) top.index++;
      }
      position++;
    }
    if (!this.inString) this.skeleton.push(chunk.subarray(copiedFrom));
  }

  /** The document with each blob replaced by its marker; JSON.parse it to read everything but the blobs. */
  skeletonText(): string {
    return Buffer.concat(this.skeleton).toString('utf8');
  }

  /** The scanner ended inside a string or an unclosed object or array: the answer was cut short. */
  get complete(): boolean {
    return !this.inString && this.stack.length === 0;
  }

  private closingQuote(chunk: Buffer, from: number): number {
    let search = from;
    for (;;) {
      const quote = chunk.indexOf(QUOTE, search);
      if (quote === -1) return -1;
      let backslashes = 0;
      let at = quote - 1;
      while (at >= from && chunk[at] === BACKSLASH) {
        backslashes++;
        at--;
      }
      if (at < from) backslashes += this.trailingBackslashes;
      if (backslashes % 2 === 0) return quote;
      search = quote + 1;
    }
  }

  private startString(): void {
    const top = this.stack.at(-1);
    this.inString = true;
    this.stringIsKey = top?.isObject === true && top.expectKey;
    this.stringParts = [];
    this.stringLength = 0;
    this.stringPrefix = '';
    this.prefixDone = false;
    this.trailingBackslashes = 0;
  }

  private addStringBytes(bytes: Buffer): void {
    if (bytes.length === 0) return;
    if (!this.prefixDone) this.extendPrefix(bytes);
    if (!this.imageStarted && !this.stringIsKey && this.atFirstImage()) this.imageStarted = true;
    this.stringLength += bytes.length;
    // Short strings are always kept (they go into the skeleton); a blob's bytes only when asked to.
    if (this.options.keepBlobs || this.stringIsKey || this.stringLength < MIN_BLOB_BYTES) this.stringParts.push(bytes);
    else this.stringParts = [];
    let trailing = 0;
    while (trailing < bytes.length && bytes[bytes.length - 1 - trailing] === BACKSLASH) trailing++;
    this.trailingBackslashes = trailing === bytes.length ? this.trailingBackslashes + trailing : trailing;
  }

  private extendPrefix(bytes: Buffer): void {
    let end = 0;
    const room = MARKER_PREFIX_BYTES - this.stringPrefix.length;
    while (end < bytes.length && end < room && bytes[end]! >= 0x20 && bytes[end]! < 0x7f && bytes[end] !== BACKSLASH) end++;
    this.stringPrefix += bytes.toString('latin1', 0, end);
    if (end < bytes.length) this.prefixDone = true;
  }

  private endString(): void {
    this.inString = false;
    const top = this.stack.at(-1);
    if (this.stringIsKey) {
      const key = JSON.parse(`"${Buffer.concat(this.stringParts).toString('utf8')}"`) as string;
      if (top !== undefined) top.key = key;
      if (this.stack.length === 1) this.topLevelKeys.add(key);
      this.skeleton.push(...this.stringParts);
      return;
    }
    if (this.stringLength < MIN_BLOB_BYTES) {
      this.skeleton.push(...this.stringParts);
      return;
    }
    this.skeleton.push(Buffer.from(`${this.stringPrefix}${MARKER_TAG}${this.blobs.length}`, 'latin1'));
    this.blobs.push({ parts: this.stringParts, length: this.stringLength, prefix: this.stringPrefix });
    this.stringParts = [];
  }

  /** The string being read is the value at /data/0/b64_json. */
  private atFirstImage(): boolean {
    const [root, images, image] = this.stack;
    return this.stack.length === 3 && root!.key === 'data' && !images!.isObject && images!.index === 0 && image!.isObject && image!.key === 'b64_json';
  }
}

/**
 * Serializes a translated body whose strings may carry blob markers, with each marker replaced by its blob's bytes:
 * the pieces to write, in order. A blob's bytes are valid JSON string content as they are (they came from one).
 */
export function serializeWithBlobs(body: unknown, blobs: readonly Blob[]): Buffer[] {
  const text = JSON.stringify(body);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const match of text.matchAll(MARKER_PATTERN)) {
    const blob = blobs[Number(match[1])];
    if (blob === undefined) continue;
    const start = match.index - blob.prefix.length;
    pieces.push(Buffer.from(text.slice(from, start), 'utf8'), ...blob.parts);
    from = match.index + match[0].length;
  }
  pieces.push(Buffer.from(text.slice(from), 'utf8'));
  return pieces;
}
