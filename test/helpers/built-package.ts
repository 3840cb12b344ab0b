// The built package as users import it: the entry package.json exports, inside the build the tests run against
// (dist/, or the private build IMAGEGATE_BUILT_CLI points at).
import { readFileSync } from 'node:fs';
import { dirname, join, posix, resolve } from 'node:path';
import { builtCli } from './proxy-process.js';

/** The build's root: dist/, or the --outDir of a private build (derived from IMAGEGATE_BUILT_CLI = <root>/src/cli/main.js). */
export const builtDistRoot = resolve(dirname(builtCli), '..', '..');

/** The file `import 'imagegate'` loads, in the build at distRoot: package.json exports["."].import, relative to dist/. */
export function builtEntry(distRoot: string = builtDistRoot): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { exports: Record<string, { import: string }> };
  const entry = posix.relative('dist', posix.normalize(pkg.exports['.']!.import));
  if (entry.startsWith('..')) throw new Error(`package.json exports["."].import (${pkg.exports['.']!.import}) is not under dist/`);
  return join(distRoot, entry);
}
