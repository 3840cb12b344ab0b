// Helpers used by generated request translators.

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Copies provider-specific params into the body; mapped fields are written after and win. */
export function applyExtras(body: object, extras: Readonly<Record<string, unknown>>): void {
  for (const [key, value] of Object.entries(extras)) {
    if (FORBIDDEN_KEYS.has(key) || value === undefined) continue;
    Object.defineProperty(body, key, { value, enumerable: true, writable: true, configurable: true });
  }
}

export function encodePathParam(value: string): string {
  return encodeURIComponent(value);
}

export function requireSetting(settings: Readonly<Record<string, string | undefined>>, name: string): string {
  const value = settings[name];
  if (value === undefined) throw new Error(`setting ${name} was not resolved before translation`);
  return value;
}
