// Request params nested deeper than any image request needs are refused before anything walks them recursively
// (serialising a body nested 100,000 levels deep overflows the stack).
export const MAX_PARAM_DEPTH = 32;

/** The top-level key whose value nests deeper than MAX_PARAM_DEPTH, if any. Iterative: the input may be very deep. */
export function tooDeeplyNested(params: Record<string, unknown>): string | undefined {
  for (const [key, value] of Object.entries(params)) {
    const stack: [unknown, number][] = [[value, 2]];
    while (stack.length > 0) {
      const [node, depth] = stack.pop()!;
      if (node === null || typeof node !== 'object') continue;
      if (depth > MAX_PARAM_DEPTH) return key;
      for (const child of Object.values(node)) stack.push([child, depth + 1]);
    }
  }
  return undefined;
}
