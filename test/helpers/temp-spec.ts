// A throwaway copy of spec/ under .tmp/ (git-ignored), generated into its own folder.
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { generate, writeGenerated } from '../../codegen/main.js';
import { defaultPaths, type CodegenPaths } from '../../codegen/paths.js';

export interface TempSpec {
  root: string;
  paths: CodegenPaths;
  remove(): void;
}

export function copySpec(): TempSpec {
  const base = join(process.cwd(), '.tmp');
  mkdirSync(base, { recursive: true });
  const root = mkdtempSync(join(base, 'spec-'));
  cpSync(join(process.cwd(), 'spec'), join(root, 'spec'), { recursive: true });
  const paths: CodegenPaths = { ...defaultPaths(), specDir: join(root, 'spec'), outDir: join(root, 'generated'), readme: undefined };
  return { root, paths, remove: () => rmSync(root, { recursive: true, force: true }) };
}

export async function generateInto(spec: TempSpec): Promise<void> {
  const { files } = await generate(spec.paths);
  writeGenerated(spec.paths, files, undefined);
}
