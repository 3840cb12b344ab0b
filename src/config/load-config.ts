// The proxy's LiteLLM-style config.yaml: read the file, parse the YAML (with line numbers for errors), then the same
// checks as any config (check-config.ts).
import { readFile, stat } from 'node:fs/promises';
import { join, resolve as resolvePath } from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { configFromObject, type LoadedConfig, type ParseOptions } from './check-config.js';
import type { Registry } from '../provider/types.js';
import { ConfigError, type KeyPath } from './config-error.js';

export type { LoadedConfig, ParseOptions } from './check-config.js';

export async function loadConfigFile(path: string, env: NodeJS.ProcessEnv, registry?: Registry): Promise<LoadedConfig> {
  const text = await readConfigText(path);
  return parseConfig(text, registry === undefined ? { env, source: path } : { env, source: path, registry });
}

export function parseConfig(text: string, options: ParseOptions): LoadedConfig {
  const { source } = options;
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: true, lineCounter });
  const raw = rootMapping(doc, source);
  return configFromObject(raw, options, (path: KeyPath): string => lineOf(doc, lineCounter, path));
}

async function readConfigText(path: string): Promise<string> {
  try {
    if ((await stat(path)).isDirectory()) {
      throw new ConfigError(`config ${path} is a directory, not a file: pass the YAML file itself, e.g. --config ${join(path, 'config.yaml')}`);
    }
    return await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(unreadable(path, error), { cause: error });
  }
}

function unreadable(path: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return `config file ${path} does not exist (looked for ${resolvePath(path)}): check the --config path`;
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return `config file ${path} cannot be read (permission denied): check the --config path and the file's permissions`;
  }
  return `config file ${path} cannot be read (${code ?? String(error)}): check the --config path`;
}

function rootMapping(doc: Document, source: string): Record<string, unknown> {
  const syntax = doc.errors[0];
  if (syntax !== undefined) {
    const pos = syntax.linePos?.[0];
    const where = pos === undefined ? source : `${source}:${pos.line}:${pos.col}`;
    // Only the first line: yaml's pretty excerpt quotes the source, which may hold a credential.
    const message = (syntax.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(`${where}: ${message}: fix the YAML there`);
  }
  const contents = doc.contents;
  const needs = 'a config is a mapping that needs model_list: with at least one deployment (- model_name: ..., litellm_params: {model: ...})';
  if (contents === null || (isScalar(contents) && contents.value === null)) {
    throw new ConfigError(`${source} is empty: ${needs}`);
  }
  if (!isMap(contents)) {
    const what = isScalar(contents) ? 'a single value' : 'a list';
    throw new ConfigError(`${source}: the top level is ${what}, but ${needs}`);
  }
  try {
    return doc.toJS() as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(`${source}: ${error instanceof Error ? error.message : String(error)}: fix the YAML`, { cause: error });
  }
}

/** ` (line N)` of the YAML node at a path, when the document has it. */
function lineOf(doc: Document, lineCounter: LineCounter, path: KeyPath): string {
  const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
  const offset = node?.range?.[0];
  return offset === undefined ? '' : ` (line ${lineCounter.linePos(offset).line})`;
}
