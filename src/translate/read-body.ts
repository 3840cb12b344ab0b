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
