/** A deterministic TypeScript literal of JSON data: object keys sorted, undefined dropped. */
export function toLiteral(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(toLiteral).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}: ${toLiteral(v)}`);
    return `{ ${entries.join(', ')} }`;
  }
  return JSON.stringify(value);
}
