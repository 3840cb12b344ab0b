import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface CodegenPaths {
  specDir: string;
  outDir: string;
  srcDir: string;
  readme: string | undefined;
  upstreamDir: string;
}

export function defaultPaths(): CodegenPaths {
  return {
    specDir: join(repoRoot, 'spec'),
    outDir: join(repoRoot, 'generated'),
    srcDir: join(repoRoot, 'src'),
    readme: join(repoRoot, 'README.md'),
    upstreamDir: resolve(repoRoot, '..', 'shared', 'upstream-specs'),
  };
}
