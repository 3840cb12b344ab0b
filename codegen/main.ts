// npm run generate [-- --check] : spec/ -> generated/ (and the README's model tables).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { defaultPaths, repoRoot, type CodegenPaths } from './paths.js';
import { loadSpec } from './load-spec.js';
import type { GeneratedFile } from './emit/header.js';
import { emitCanonicalTypes } from './emit/canonical-types.js';
import { emitCanonicalParams } from './emit/canonical-params.js';
import { emitCanonicalValidators, emitWireValidator } from './emit/validators.js';
import { emitWireTypes } from './emit/wire-types.js';
import { emitTranslator } from './emit/translator.js';
import { emitCatalog, emitProviderIndex } from './emit/provider-module.js';
import { emitRegistry } from './emit/registry.js';
import { renderModelTables, spliceReadme } from './emit/readme-tables.js';

export async function generate(paths: CodegenPaths): Promise<{ files: GeneratedFile[]; readme?: string }> {
  const spec = await loadSpec(paths);
  const context = { paths };
  const { canonicalParams } = spec;
  const files: GeneratedFile[] = [
    await emitCanonicalTypes(spec.canonical),
    await emitCanonicalParams(spec.canonical['image-generation-request']!, spec.canonical['image-edit-request']!),
    emitCanonicalValidators(spec.canonical),
    await emitRegistry(context, spec.providers),
  ];
  for (const provider of spec.providers) {
    files.push(
      await emitWireTypes(provider),
      await emitTranslator(context, provider, 'generate', canonicalParams),
      ...(provider.edit === undefined ? [] : [await emitTranslator(context, provider, 'edit', canonicalParams)]),
      await emitCatalog(context, provider),
      await emitProviderIndex(context, provider, canonicalParams),
      emitWireValidator(provider),
    );
  }
  files.sort((a, b) => (a.path < b.path ? -1 : 1));
  let readme: string | undefined;
  if (paths.readme !== undefined && existsSync(paths.readme)) {
    readme = spliceReadme(readFileSync(paths.readme, 'utf8'), renderModelTables(spec.providers));
  }
  return { files, readme };
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split('\\').join('/'))
    .sort();
}

function staleFiles(paths: CodegenPaths, files: GeneratedFile[], readme: string | undefined): string[] {
  const stale: string[] = [];
  const wanted = new Set(files.map((f) => f.path));
  for (const file of files) {
    const target = join(paths.outDir, file.path);
    if (!existsSync(target) || readFileSync(target, 'utf8') !== file.content) stale.push(`generated/${file.path}`);
  }
  for (const existing of listFiles(paths.outDir)) {
    if (!wanted.has(existing)) stale.push(`generated/${existing} (no longer generated)`);
  }
  if (readme !== undefined && readFileSync(paths.readme!, 'utf8') !== readme) stale.push('README.md (model tables)');
  return stale;
}

export function writeGenerated(paths: CodegenPaths, files: GeneratedFile[], readme: string | undefined): void {
  rmSync(paths.outDir, { recursive: true, force: true });
  for (const file of files) {
    const target = join(paths.outDir, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content);
  }
  if (readme !== undefined) writeFileSync(paths.readme!, readme);
}

function parseArgs(argv: string[]): { check: boolean; paths: CodegenPaths } {
  const paths = defaultPaths();
  let check = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--check') check = true;
    else if (arg === '--spec-dir') paths.specDir = join(process.cwd(), argv[++i] ?? '');
    else if (arg === '--out-dir') {
      paths.outDir = join(process.cwd(), argv[++i] ?? '');
      paths.readme = undefined;
    } else throw new Error(`unknown argument ${arg}; usage: npm run generate [-- --check] [--spec-dir DIR --out-dir DIR]`);
  }
  return { check, paths };
}

async function main(): Promise<void> {
  const { check, paths } = parseArgs(process.argv.slice(2));
  const { files, readme } = await generate(paths);
  if (check) {
    const stale = staleFiles(paths, files, readme);
    if (stale.length > 0) {
      console.error(`generated output is stale (run npm run generate):\n${stale.map((s) => `  ${s}`).join('\n')}`);
      process.exit(1);
    }
    console.log(`generated/ is up to date (${files.length} files)`);
    return;
  }
  writeGenerated(paths, files, readme);
  console.log(`wrote ${files.length} files to ${relative(repoRoot, paths.outDir) || '.'}`);
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
