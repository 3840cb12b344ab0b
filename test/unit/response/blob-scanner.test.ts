// Property: the blob scanner reads any JSON text, in any chunking, as a skeleton plus blobs that put back together
// give the same bytes; it knows when the text is complete, and when an OpenAI-shaped answer's first image started.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BlobScanner, MIN_BLOB_BYTES, serializeWithBlobs } from '../../../src/response/blob-scanner.js';

const BACKSLASH = 0x5c;
const QUOTE = 0x22;

// Characters that stress the scanner: escapes JSON.stringify writes (\" \\ \n \t \u0000 \ud83d), multi-byte UTF-8
// (é, an emoji as a surrogate pair, U+2028), and base64's own alphabet.
const special = fc.constantFrom('"', '\\', '\\\\', '\\"', '\n', '\t', '\u0000', 'é', '😀', '\u2028', '\ud83d', '/', '+', '=', 'A', 'z', '9', ' ');
const shortString = fc
  .array(fc.oneof({ weight: 3, arbitrary: special }, { weight: 2, arbitrary: fc.string({ maxLength: 6 }) }), { maxLength: 12 })
  .map((parts) => parts.join(''));
/** Mostly base64 with escapes and multi-byte characters here and there, from just under the blob size to a few KB. */
const longString = fc
  .tuple(
    fc.array(fc.oneof({ weight: 1, arbitrary: special }, { weight: 6, arbitrary: fc.constantFrom('QUJD', 'iVBORw0KGgo', 'AAAA', '+/+/') }), {
      minLength: 1,
      maxLength: 40,
    }),
    fc.integer({ min: MIN_BLOB_BYTES - 60, max: 3000 }),
    fc.array(special, { maxLength: 8 }),
  )
  .map(([head, size, tail]) => {
    const start = head.join('');
    return start + 'x'.repeat(Math.max(0, size - start.length)) + tail.join('');
  });
/** Strings whose escaped size lands right at the blob threshold. */
const thresholdString = fc
  .tuple(fc.integer({ min: MIN_BLOB_BYTES - 4, max: MIN_BLOB_BYTES + 2 }), fc.constantFrom('', '\\', '"', 'é', '\n'))
  .map(([size, extra]) => 'b'.repeat(size - Buffer.byteLength(JSON.stringify(extra)) + 2) + extra);
const anyString = fc.oneof({ weight: 4, arbitrary: shortString }, { weight: 2, arbitrary: longString }, { weight: 1, arbitrary: thresholdString });
const key = fc.oneof(
  { weight: 6, arbitrary: shortString },
  { weight: 1, arbitrary: longString },
  { weight: 1, arbitrary: fc.constantFrom('data', 'b64_json', 'error', '__proto__') },
);

const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -1e9, max: 1e9 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    anyString,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.array(fc.tuple(key, tie('value')), { maxLength: 5 }).map((entries) => Object.fromEntries(entries)),
  ),
}));

/** Mostly containers holding at least one long string (among anything else), sometimes any value at all. */
const entries = fc.array(fc.tuple(key, value), { maxLength: 4 });
const jsonDocument: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 1, arbitrary: value },
  {
    weight: 2,
    arbitrary: fc
      .tuple(entries, key, longString, entries)
      .map(([before, name, long, after]) => Object.fromEntries([...before, [name, long], ...after])),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.array(value, { maxLength: 3 }), longString, fc.array(value, { maxLength: 3 })).map(([a, long, b]) => [...a, long, ...b]),
  },
);

type Split = { kind: 'bytes'; sizes: number[] } | { kind: 'one' } | { kind: 'after-backslash' } | { kind: 'before-quote' };
const split: fc.Arbitrary<Split> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.array(fc.integer({ min: 1, max: 2048 }), { minLength: 1, maxLength: 20 }).map((sizes) => ({ kind: 'bytes' as const, sizes })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'one' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'after-backslash' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'before-quote' as const }) },
);

/** The text cut into chunks: random sizes (cycled), single bytes, or cut right after every backslash / before every quote. */
function chunks(bytes: Buffer, how: Split): Buffer[] {
  const out: Buffer[] = [];
  let from = 0;
  const cut = (at: number) => {
    if (at > from && at < bytes.length) {
      out.push(bytes.subarray(from, at));
      from = at;
    }
  };
  if (how.kind === 'bytes') {
    for (let index = 0; from + how.sizes[index % how.sizes.length]! < bytes.length; index++) cut(from + how.sizes[index % how.sizes.length]!);
  } else if (how.kind === 'one') {
    for (let at = 1; at < bytes.length; at++) cut(at);
  } else {
    const byte = how.kind === 'after-backslash' ? BACKSLASH : QUOTE;
    const shift = how.kind === 'after-backslash' ? 1 : 0;
    for (let at = 0; at < bytes.length; at++) if (bytes[at] === byte) cut(at + shift);
  }
  if (from < bytes.length) out.push(bytes.subarray(from));
  return out;
}

/** A reference reading of a JSON text's prefix: inside a string, or with an object or array still open. */
function openAfter(bytes: Buffer): boolean[] {
  const open: boolean[] = [false];
  let inString = false;
  let escaped = false;
  let depth = 0;
  for (const byte of bytes) {
    if (inString) {
      if (escaped) escaped = false;
      else if (byte === BACKSLASH) escaped = true;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === 0x7b || byte === 0x5b) depth++;
    else if (byte === 0x7d || byte === 0x5d) depth--;
    open.push(inString || depth > 0);
  }
  return open;
}

/** The raw (still escaped) bytes of every string value of the document at least MIN_BLOB_BYTES long, in document order. */
function longValues(document: unknown, found: Buffer[] = []): Buffer[] {
  if (typeof document === 'string') {
    const raw = Buffer.from(JSON.stringify(document).slice(1, -1), 'utf8');
    if (raw.length >= MIN_BLOB_BYTES) found.push(raw);
  } else if (Array.isArray(document)) {
    for (const item of document) longValues(item, found);
  } else if (document !== null && typeof document === 'object') {
    for (const item of Object.values(document)) longValues(item, found);
  }
  return found;
}

function scan(pieces: Buffer[], keepBlobs: boolean, onChunk?: (scanner: BlobScanner, offset: number) => void): BlobScanner {
  const scanner = new BlobScanner({ keepBlobs });
  let offset = 0;
  for (const piece of pieces) {
    scanner.push(piece);
    offset += piece.length;
    onChunk?.(scanner, offset);
  }
  return scanner;
}

const joined = (pieces: Buffer[]): string => Buffer.concat(pieces).toString('utf8');

describe('BlobScanner', () => {
  it('gives back the exact text: the parsed skeleton serialized with its blobs spliced in', () => {
    fc.assert(
      fc.property(jsonDocument, split, (document, how) => {
        const text = JSON.stringify(document);
        const bytes = Buffer.from(text, 'utf8');
        const open = openAfter(bytes);
        // (b) at every chunk boundary: complete exactly when no string and no container is open.
        const wrong: number[] = [];
        const scanner = scan(chunks(bytes, how), true, (at, offset) => {
          if (at.complete !== !open[offset]! || at.length !== offset) wrong.push(offset);
        });
        expect(wrong).toEqual([]);
        expect(scanner.complete).toBe(true);
        const skeleton = scanner.skeletonText();
        expect(Buffer.byteLength(skeleton)).toBeLessThanOrEqual(bytes.length + scanner.blobs.length * 80);
        expect(joined(serializeWithBlobs(JSON.parse(skeleton), scanner.blobs))).toBe(text);
        // The blobs are exactly the long strings, in order, as their raw bytes.
        const expected = longValues(document);
        expect(scanner.blobs.map((blob) => Buffer.concat(blob.parts).toString('utf8'))).toEqual(expected.map((raw) => raw.toString('utf8')));
        expect(scanner.blobs.map((blob) => blob.length)).toEqual(expected.map((raw) => raw.length));
      }),
      { numRuns: 150 },
    );
  });

  it('without keepBlobs, gives the same skeleton and blob sizes, but keeps no blob bytes', () => {
    fc.assert(
      fc.property(jsonDocument, split, split, (document, how, otherHow) => {
        const bytes = Buffer.from(JSON.stringify(document), 'utf8');
        const kept = scan(chunks(bytes, otherHow), true);
        const light = scan(chunks(bytes, how), false);
        expect(light.complete).toBe(true);
        expect(light.skeletonText()).toBe(kept.skeletonText());
        expect(() => JSON.parse(light.skeletonText()) as unknown).not.toThrow();
        expect(light.blobs.map((blob) => blob.length)).toEqual(kept.blobs.map((blob) => blob.length));
        expect(light.blobs.map((blob) => blob.prefix)).toEqual(kept.blobs.map((blob) => blob.prefix));
        for (const blob of light.blobs) expect(blob.parts).toEqual([]);
        expect([...light.topLevelKeys]).toEqual([...kept.topLevelKeys]);
      }),
      { numRuns: 100 },
    );
  });

  it('is incomplete for any prefix cut inside a string or an open object or array', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          jsonDocument.filter((document) => typeof document === 'object' && document !== null),
          anyString,
        ),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        split,
        (document, where, how) => {
          const bytes = Buffer.from(JSON.stringify(document), 'utf8');
          // A strict prefix of an object or array always leaves the outer container open; of a string, the string.
          const prefix = bytes.subarray(0, Math.floor(where * bytes.length));
          const scanner = scan(chunks(prefix, how), true);
          expect(scanner.complete).toBe(prefix.length === 0);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('keeps the printable start of a blob as its prefix, so a URL scheme can still be checked', () => {
    const url = `data:image/png;base64,${'QUJD'.repeat(600)}`;
    const scanner = scan([Buffer.from(JSON.stringify({ data: [{ url }] }))], false);
    expect(scanner.blobs).toHaveLength(1);
    expect(scanner.blobs[0]!.prefix).toBe(url.slice(0, 64));
    const skeleton = JSON.parse(scanner.skeletonText()) as { data: { url: string }[] };
    expect(skeleton.data[0]!.url.startsWith('data:image/png;base64,')).toBe(true);
    expect(skeleton.data[0]!.url.length).toBeLessThan(200);
  });
});

// (c) OpenAI-shaped answers: imageStarted is set exactly when /data/0/b64_json is a non-empty string.
const image = fc.oneof(
  { weight: 3, arbitrary: longString },
  { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 10 }) },
  { weight: 1, arbitrary: fc.constant('') },
);
const usage = fc.record({ total_tokens: fc.nat(), input_tokens: fc.nat(), output_tokens: fc.nat() });
const extras = fc.array(fc.tuple(key, value), { maxLength: 3 }).map((entries) => Object.fromEntries(entries) as Record<string, unknown>);
const firstItem = fc.oneof(
  image.map((b64_json) => ({ b64_json })),
  fc.tuple(image, longString).map(([b64_json, revised_prompt]) => ({ revised_prompt, b64_json })),
  fc.tuple(extras, image).map(([before, b64_json]) => ({ ...before, b64_json })),
  fc.constant({ b64_json: null }),
  // Keys after an empty or non-string b64_json: reading them must not count as the image.
  fc.tuple(fc.constantFrom('', null, 0, false), extras).map(([b64_json, after]) => ({ b64_json, revised_prompt: 'x', ...after })),
  longString.map((url) => ({ url: `https://example.test/${url}` })),
  fc.constant({ nested: { b64_json: 'QUJD'.repeat(300) } }),
  image.map((b64_json) => ({ b64_json: [b64_json] })),
);
const openAiAnswer = fc.oneof(
  fc
    .tuple(
      fc.integer({ min: 0, max: 2e9 }),
      firstItem,
      fc.array(
        image.map((b64_json) => ({ b64_json })),
        { maxLength: 3 },
      ),
      usage,
      extras,
    )
    .map(([created, first, more, used, after]) => ({ created, data: [first, ...more], usage: used, ...after })),
  fc.tuple(extras, longString).map(([before, message]) => ({ ...before, error: { message, type: 'server_error', code: null } })),
  extras.map((before) => ({ ...before, data: [] })),
  fc.tuple(longString, image).map(([padding, b64_json]) => ({ padding, data: [{ url: 'https://example.test/a.png' }, { b64_json }] })),
  image.map((b64_json) => ({ data: { 0: { b64_json } } })),
  image.map((b64_json) => ({ other: { data: [{ b64_json }] } })),
  image.map((b64_json) => [{ data: [{ b64_json }] }]),
);

function carriesImage(answer: unknown): boolean {
  if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) return false;
  const data = (answer as Record<string, unknown>)['data'];
  if (!Array.isArray(data) || data[0] === null || typeof data[0] !== 'object') return false;
  const b64 = (data[0] as Record<string, unknown>)['b64_json'];
  return typeof b64 === 'string' && b64.length > 0;
}

describe('BlobScanner.imageStarted', () => {
  it('is true exactly when /data/0/b64_json is a non-empty string, from its first byte on', () => {
    fc.assert(
      fc.property(openAiAnswer, split, fc.boolean(), (answer, how, keepBlobs) => {
        const bytes = Buffer.from(JSON.stringify(answer), 'utf8');
        const expected = carriesImage(answer);
        // Where the image's first byte is, when /data/0 is an object whose first key is b64_json.
        const marker = Buffer.from('"data":[{"b64_json":"');
        const at = bytes.indexOf(marker);
        const firstByte = expected && at !== -1 ? at + marker.length : undefined;
        const wrong: number[] = [];
        const scanner = scan(chunks(bytes, how), keepBlobs, (scanned, offset) => {
          const now = !expected ? false : firstByte === undefined ? scanned.imageStarted : offset > firstByte;
          if (scanned.imageStarted !== now) wrong.push(offset);
        });
        expect(wrong).toEqual([]);
        expect(scanner.imageStarted).toBe(expected);
        expect(scanner.complete).toBe(true);
        expect([...scanner.topLevelKeys]).toEqual(Array.isArray(answer) ? [] : Object.keys(answer));
        expect(() => JSON.parse(scanner.skeletonText()) as unknown).not.toThrow();
        if (keepBlobs) expect(joined(serializeWithBlobs(JSON.parse(scanner.skeletonText()), scanner.blobs))).toBe(JSON.stringify(answer));
        else for (const blob of scanner.blobs) expect(blob.parts).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('starts on the first byte of the image, at a chunk boundary just after its opening quote', () => {
    const text = JSON.stringify({ created: 1, data: [{ b64_json: 'QUJD'.repeat(400) }], usage: { total_tokens: 1 } });
    const start = text.indexOf('QUJD');
    const scanner = new BlobScanner({ keepBlobs: false });
    scanner.push(Buffer.from(text.slice(0, start)));
    expect(scanner.imageStarted).toBe(false);
    scanner.push(Buffer.from(text.slice(start, start + 1)));
    expect(scanner.imageStarted).toBe(true);
    scanner.push(Buffer.from(text.slice(start + 1)));
    expect(scanner.complete).toBe(true);
    expect(scanner.blobs).toEqual([{ parts: [], length: 1600, prefix: 'QUJD'.repeat(16) }]);
  });
});
