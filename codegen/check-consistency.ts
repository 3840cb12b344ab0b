// Cross-file checks of one provider folder: what the mapping names must exist in the contract,
// the settings and the catalog. tsc proves the same for the emitted code; these say it in spec terms.
import type { OpenApiDoc, ProviderIR } from './ir.js';

class ConsistencyError extends Error {}

type Schema = Record<string, unknown>;

export function resolveRef(doc: OpenApiDoc, schema: unknown): Schema {
  let current = schema as Schema;
  for (let depth = 0; typeof current?.['$ref'] === 'string'; depth++) {
    if (depth > 32) throw new ConsistencyError(`$ref loop at ${String(current['$ref'])}`);
    const pointer = (current['$ref'] as string).replace(/^#\//, '').split('/');
    current = pointer.reduce<unknown>((node, key) => (node as Schema | undefined)?.[key], doc) as Schema;
  }
  return current ?? {};
}

/** Property names of an object schema, following $ref and allOf. */
export function schemaProperties(doc: OpenApiDoc, schema: unknown): Set<string> {
  const resolved = resolveRef(doc, schema);
  const names = new Set(Object.keys((resolved['properties'] as Schema | undefined) ?? {}));
  for (const part of (resolved['allOf'] as unknown[] | undefined) ?? []) {
    for (const name of schemaProperties(doc, part)) names.add(name);
  }
  return names;
}

function operationObject(ir: ProviderIR): Schema {
  return ir.contracts[0]!.doc.paths[ir.generate.path]!['post'] as Schema;
}

function requestBodySchema(ir: ProviderIR): unknown {
  const body = resolveRef(ir.contracts[0]!.doc, operationObject(ir)['requestBody']);
  return ((body['content'] as Schema)['application/json'] as Schema | undefined)?.['schema'];
}

function checkSources(ir: ProviderIR, where: string, sources: Record<string, string>): void {
  for (const [name, source] of Object.entries(sources)) {
    const setting = source.startsWith('settings.') ? source.slice('settings.'.length) : undefined;
    if (setting !== undefined && ir.provider.settings[setting] === undefined) {
      throw new ConsistencyError(`${ir.relDir}/mapping.yaml ${where}.${name}: unknown setting ${setting}`);
    }
  }
}

function checkRequest(ir: ProviderIR): void {
  const request = ir.mapping.operations.generate.request;
  const doc = ir.contracts[0]!.doc;
  const bodyFields = schemaProperties(doc, requestBodySchema(ir));
  for (const [param, field] of Object.entries(request.body)) {
    if (!bodyFields.has(field.to)) {
      throw new ConsistencyError(`${ir.relDir}/mapping.yaml body.${param}: field ${field.to} is not in the ${ir.generate.operationId} request body`);
    }
  }
  const templateParams = [...ir.generate.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  const mappedPath = Object.keys(request.path_params ?? {});
  if (templateParams.sort().join() !== mappedPath.sort().join()) {
    throw new ConsistencyError(`${ir.relDir}/mapping.yaml path_params [${mappedPath}] must name exactly the path's parameters [${templateParams}]`);
  }
  const parameters = ((operationObject(ir)['parameters'] as unknown[] | undefined) ?? []).map((p) => resolveRef(doc, p));
  const queryNames = parameters.filter((p) => p['in'] === 'query').map((p) => p['name'] as string);
  for (const name of Object.keys(request.query_params ?? {})) {
    if (!queryNames.includes(name)) throw new ConsistencyError(`${ir.relDir}/mapping.yaml query_params.${name}: not a query parameter of ${ir.generate.operationId}`);
  }
  for (const p of parameters) {
    if (p['in'] === 'query' && p['required'] === true && request.query_params?.[p['name'] as string] === undefined) {
      throw new ConsistencyError(`${ir.relDir}/mapping.yaml: required query parameter ${String(p['name'])} is not mapped`);
    }
  }
  checkSources(ir, 'path_params', request.path_params ?? {});
  checkSources(ir, 'query_params', request.query_params ?? {});
}

function checkSettings(ir: ProviderIR): void {
  const { auth } = ir.provider;
  if (auth.scheme !== 'none' && ir.provider.settings[auth.setting] === undefined) {
    throw new ConsistencyError(`${ir.relDir}/provider.yaml auth.setting: unknown setting ${auth.setting}`);
  }
  const base = ir.mapping.operations.generate.url?.base_setting ?? 'api_base';
  if (ir.provider.settings[base] === undefined) {
    throw new ConsistencyError(`${ir.relDir}/mapping.yaml url.base_setting: unknown setting ${base}`);
  }
}

function checkCatalog(ir: ProviderIR): void {
  const governed = new Set(ir.models.governed_params);
  const mapped = new Set(Object.keys(ir.mapping.operations.generate.request.body));
  const ruleSets = { ...ir.models.models, ...(ir.models.api_versions ?? {}) };
  for (const [name, rules] of Object.entries(ruleSets)) {
    for (const [param, rule] of Object.entries(rules.params)) {
      if (!governed.has(param)) throw new ConsistencyError(`${ir.relDir}/models.yaml ${name}.${param}: not in governed_params`);
      if (!mapped.has(param)) throw new ConsistencyError(`${ir.relDir}/models.yaml ${name} accepts ${param}, but mapping.yaml never sends it`);
      for (const other of Object.keys(rule.requires ?? {})) {
        if (!governed.has(other)) throw new ConsistencyError(`${ir.relDir}/models.yaml ${name}.${param}.requires: ${other} is not governed`);
      }
    }
  }
}

export function checkProviderConsistency(ir: ProviderIR): void {
  checkRequest(ir);
  checkSettings(ir);
  checkCatalog(ir);
}
