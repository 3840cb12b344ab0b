// Tolerant readers used by generated response translators: provider bodies are untrusted, so a
// missing or wrongly typed field reads as undefined instead of crashing.

export type JsonObject = Record<string, unknown>;

export function readObject(value: unknown): JsonObject | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

export function readField(value: unknown, key: string): unknown {
  const object = readObject(value);
  return object !== undefined && Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
}

export function readArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function readString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A number, or a string of digits (some contracts document numeric fields with string examples). */
export function readNumberish(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value);
  return undefined;
}

export function readNonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim().length > 0 ? value : undefined;
}

/** A finish reason: a string, null (success), or undefined when absent or of another type. */
export function readReason(value: unknown): string | null | undefined {
  if (value === null) return null;
  return typeof value === 'string' ? value : undefined;
}

/** Attaches a parallel array of finish reasons to the images; reasons without an image become image-less entries. */
export function alignReasons(images: { reason?: string | null }[], reasons: unknown[]): void {
  reasons.forEach((reason, index) => {
    const image = images[index] ?? (images[index] = {});
    image.reason = readReason(reason);
  });
}

/** Every value at a path whose "*" segments walk all items of an array; missing branches are skipped. */
export function readAll(value: unknown, path: readonly string[]): unknown[] {
  if (path.length === 0) return value === undefined ? [] : [value];
  const [segment, ...rest] = path;
  if (segment === '*') return readArray(value).flatMap((item) => readAll(item, rest));
  return readAll(readField(value, segment!), rest);
}

/** The non-empty strings at a path, joined by newlines, or undefined. */
export function readJoinedText(value: unknown, path: readonly string[]): string | undefined {
  const texts = readAll(value, path).filter((text): text is string => typeof text === 'string' && text.trim().length > 0);
  return texts.length === 0 ? undefined : texts.join('\n');
}

/** The reasons content moderation gave: non-empty strings at the paths (restricted to `in` when given), joined. */
export function readModeration(value: unknown, rules: readonly { path: readonly string[]; in?: readonly string[] }[]): string | undefined {
  const reasons = rules.flatMap((rule) =>
    readAll(value, rule.path).filter(
      (reason): reason is string => typeof reason === 'string' && reason.trim().length > 0 && (rule.in === undefined || rule.in.includes(reason)),
    ),
  );
  return reasons.length === 0 ? undefined : [...new Set(reasons)].join('; ');
}

export interface TokenCounts {
  input_tokens?: number | undefined;
  output_tokens?: number | undefined;
  total_tokens?: number | undefined;
  input_text_tokens?: number | undefined;
  input_image_tokens?: number | undefined;
  output_text_tokens?: number | undefined;
  output_image_tokens?: number | undefined;
}

/** Token counts read from a provider's own usage fields, in the OpenAI usage shape; undefined when none were found. */
export function readTokenUsage(counts: TokenCounts): Record<string, unknown> | undefined {
  const usage: Record<string, unknown> = {};
  const details = (text: number | undefined, image: number | undefined) =>
    text === undefined && image === undefined ? undefined : { ...(text === undefined ? {} : { text_tokens: text }), ...(image === undefined ? {} : { image_tokens: image }) };
  if (counts.input_tokens !== undefined) usage['input_tokens'] = counts.input_tokens;
  if (counts.output_tokens !== undefined) usage['output_tokens'] = counts.output_tokens;
  const total = counts.total_tokens ?? (counts.input_tokens !== undefined && counts.output_tokens !== undefined ? counts.input_tokens + counts.output_tokens : undefined);
  if (total !== undefined) usage['total_tokens'] = total;
  const input = details(counts.input_text_tokens, counts.input_image_tokens);
  if (input !== undefined) usage['input_tokens_details'] = input;
  const output = details(counts.output_text_tokens, counts.output_image_tokens);
  if (output !== undefined) usage['output_tokens_details'] = output;
  return Object.keys(usage).length === 0 ? undefined : usage;
}
