// Cross-file checks of one provider folder: what the mapping names must exist in the contract,
// the settings and the catalog. tsc proves part of the same for the emitted code; these say it in spec terms.
import type { AuthSchemeYaml, FieldMapping, OpenApiDoc, OperationIR, ProviderIR, VariantIR } from './ir.js';

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

/** The schema alternatives a value may match: the schema itself plus its allOf/oneOf/anyOf members. */
function alternatives(doc: OpenApiDoc, schema: unknown): Schema[] {
  const resolved = resolveRef(doc, schema);
  const members = ['allOf', 'oneOf', 'anyOf'].flatMap((key) => (resolved[key] as unknown[] | undefined) ?? []);
  return [resolved, ...members.flatMap((member) => alternatives(doc, member))];
}

/** Property names of an object schema, following $ref and allOf/oneOf/anyOf. */
export function schemaProperties(doc: OpenApiDoc, schema: unknown): Set<string> {
  const names = new Set<string>();
  for (const alternative of alternatives(doc, schema)) {
    for (const name of Object.keys((alternative['properties'] as Schema | undefined) ?? {})) names.add(name);
  }
  return names;
}

/** The schemas a body target points at; empty when some segment is not in the schema. */
function schemasAt(doc: OpenApiDoc, root: unknown, segments: string[]): Schema[] {
  let current = alternatives(doc, root);
  for (const segment of segments) {
    const next: Schema[] = [];
    for (const schema of current) {
      if ((/^\d+$/.test(segment) || segment === '*') && schema['items'] !== undefined) next.push(...alternatives(doc, schema['items']));
      const property = (schema['properties'] as Schema | undefined)?.[segment];
      if (property !== undefined) next.push(...alternatives(doc, property));
    }
    if (next.length === 0) return [];
    current = next;
  }
  return current;
}

/** The string values the contract allows at a request body target (its enum), for transforms that pick one. */
export function targetChoices(ir: ProviderIR, variant: VariantIR, target: string): string[] {
  const doc = ir.contracts[0]!.doc;
  const schemas = schemasAt(doc, requestBodySchema(ir, variant.types), targetSegments(target));
  return [...new Set(schemas.flatMap((schema) => ((schema['enum'] as unknown[] | undefined) ?? []).filter((v): v is string => typeof v === 'string')))];
}

export function targetSegments(target: string): string[] {
  return target.startsWith('/') ? target.split('/').slice(1) : [target];
}

function operationObject(ir: ProviderIR, operation: OperationIR): Schema {
  return ir.contracts[0]!.doc.paths[operation.path]!['post'] as Schema;
}

export function requestBodySchema(ir: ProviderIR, operation: OperationIR): unknown {
  const body = resolveRef(ir.contracts[0]!.doc, operationObject(ir, operation)['requestBody']);
  const content = body['content'] as Schema;
  return ((content['application/json'] ?? content['multipart/form-data']) as Schema | undefined)?.['schema'];
}

/** The media types an operation's request body is declared with. */
export function requestMediaTypes(ir: ProviderIR, operation: OperationIR): string[] {
  const body = resolveRef(ir.contracts[0]!.doc, operationObject(ir, operation)['requestBody']);
  return Object.keys((body['content'] as Schema | undefined) ?? {});
}

function checkSources(ir: ProviderIR, where: string, sources: Record<string, string>): void {
  for (const [name, source] of Object.entries(sources)) {
    const setting = source.startsWith('settings.') ? source.slice('settings.'.length) : undefined;
    if (setting !== undefined && ir.provider.settings[setting] === undefined) {
      throw new ConsistencyError(`${ir.relDir}/mapping.yaml ${where}.${name}: unknown setting ${setting}`);
    }
  }
}

function checkFileField(variant: VariantIR, param: string, field: FieldMapping, files: ReadonlySet<string>, fail: (problem: string) => Error): void {
  if (field.file === undefined) {
    if (files.has(param)) throw fail(`${param} carries files: give it file: {}`);
    return;
  }
  if (variant.kind !== 'edit') throw fail('only the edit operation takes files');
  if (!files.has(param)) throw fail(`file: is only for the unified file params (${[...files].join(', ')})`);
  if (field.transform !== undefined || field.values !== undefined || field.with !== undefined) throw fail('a file field takes no transform, values or with');
  const multipart = variant.request.encoding === 'multipart';
  if (multipart && (field.file.item !== undefined || field.file.list !== undefined)) throw fail('item and list are for json bodies; multipart sends file parts');
  if (!multipart && field.file.repeat_as !== undefined) throw fail('repeat_as is for multipart bodies');
}

function checkField(
  ir: ProviderIR,
  variant: VariantIR,
  param: string,
  field: FieldMapping,
  checkTarget: (where: string, target: string) => void,
  files: ReadonlySet<string>,
): void {
  const where = `${variantLabel(variant)}body.${param}`;
  const fail = (problem: string) => new ConsistencyError(`${ir.relDir}/mapping.yaml ${where}: ${problem}`);
  checkFileField(variant, param, field, files, fail);
  if (field.transform === 'size-to-dimensions') {
    if (typeof field.to !== 'object' || Object.keys(field.to).sort().join() !== 'height,width') throw fail('size-to-dimensions needs to: { width: <target>, height: <target> }');
  } else if (typeof field.to !== 'string') {
    throw fail(`a map of targets needs a transform with several outputs${field.transform === undefined ? '' : `, ${field.transform} has one`}`);
  }
  if (field.values !== undefined && field.transform !== undefined) throw fail('values and transform cannot be combined');
  if (field.transform === 'size-to-aspect-ratio' && targetChoices(ir, variant, field.to as string).length === 0) {
    throw fail(`size-to-aspect-ratio needs an enum of ratios at ${String(field.to)} in the contract`);
  }
  for (const target of typeof field.to === 'string' ? [field.to] : Object.values(field.to)) checkTarget(where, target);
  for (const target of Object.keys(field.with ?? {})) checkTarget(`${where}.with`, target);
}

function variantLabel(variant: VariantIR): string {
  const operation = variant.kind === 'edit' ? 'operations.edit.' : '';
  return variant.name === 'default' ? operation : `${operation}variants.${variant.name}.`;
}

function checkVariantRequest(ir: ProviderIR, variant: VariantIR, files: ReadonlySet<string>): void {
  const doc = ir.contracts[0]!.doc;
  const bodySchema = requestBodySchema(ir, variant.types);
  const checkTarget = (where: string, target: string) => {
    if (schemasAt(doc, bodySchema, targetSegments(target)).length === 0) {
      throw new ConsistencyError(`${ir.relDir}/mapping.yaml ${where}: ${target} is not in the ${variant.types.operationId} request body`);
    }
  };
  for (const [param, field] of Object.entries(variant.request.body)) checkField(ir, variant, param, field, checkTarget, files);
  const encoding = variant.request.encoding === 'multipart' ? 'multipart/form-data' : 'application/json';
  if (!requestMediaTypes(ir, variant.types).includes(encoding)) {
    throw new ConsistencyError(`${ir.relDir}/mapping.yaml ${variantLabel(variant)}request.encoding: ${variant.types.operationId} takes no ${encoding} body`);
  }
  for (const target of Object.keys(variant.request.constants ?? {})) checkTarget(`${variantLabel(variant)}constants`, target);
  if (variant.request.extra_at !== undefined) checkTarget(`${variantLabel(variant)}extra_at`, variant.request.extra_at);
  for (const param of Object.keys(variant.request.not_sent ?? {})) {
    if (variant.request.body[param] !== undefined) throw new ConsistencyError(`${ir.relDir}/mapping.yaml ${variantLabel(variant)}not_sent.${param}: it is also mapped in body`);
  }
  const byParam = variant.response.data_url?.by_param?.param;
  if (byParam !== undefined && variant.request.body[byParam] === undefined) {
    throw new ConsistencyError(`${ir.relDir}/mapping.yaml ${variantLabel(variant)}response.data_url.by_param: ${byParam} is not mapped in body`);
  }
}

function responseBodySchema(ir: ProviderIR, operation: OperationIR): unknown {
  const responses = operationObject(ir, operation)['responses'] as Schema;
  const ok = resolveRef(ir.contracts[0]!.doc, responses['200']);
  return ((ok['content'] as Schema | undefined)?.['application/json'] as Schema | undefined)?.['schema'];
}

/** Response pointers read untyped (wildcards, moderation, revised prompt) must exist in the 200 response schema. */
function checkVariantResponse(ir: ProviderIR, variant: VariantIR): void {
  const doc = ir.contracts[0]!.doc;
  const schema = responseBodySchema(ir, variant.types);
  const { response } = variant;
  const pointers = [response.images.from, response.revised_prompt, ...(response.moderation ?? []).map((rule) => rule.pointer)];
  for (const pointer of pointers) {
    if (pointer === undefined) continue;
    if (schemasAt(doc, schema, pointer.split('/').slice(1)).length === 0) {
      throw new ConsistencyError(`${ir.relDir}/mapping.yaml ${variantLabel(variant)}response: ${pointer} is not in the ${variant.types.operationId} response body`);
    }
  }
}

function checkPathAndQuery(ir: ProviderIR, variants: VariantIR[], operation: OperationIR): void {
  const doc = ir.contracts[0]!.doc;
  const { path_params = {}, query_params = {} } = variants[0]!.request;
  for (const variant of variants) {
    const same = JSON.stringify(variant.request.path_params ?? {}) === JSON.stringify(path_params) && JSON.stringify(variant.request.query_params ?? {}) === JSON.stringify(query_params);
    if (!same) throw new ConsistencyError(`${ir.relDir}/mapping.yaml ${variantLabel(variant)}: every variant must give the same path_params and query_params`);
  }
  for (const variant of variants) {
    const templateParams = [...variant.operation.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
    const mappedPath = Object.keys(variant.request.path_params ?? {});
    if (templateParams.sort().join() !== mappedPath.sort().join()) {
      throw new ConsistencyError(`${ir.relDir}/mapping.yaml path_params [${mappedPath}] must name exactly the path's parameters [${templateParams}]`);
    }
  }
  const parameters = ((operationObject(ir, operation)['parameters'] as unknown[] | undefined) ?? []).map((p) => resolveRef(doc, p));
  const queryNames = parameters.filter((p) => p['in'] === 'query').map((p) => p['name'] as string);
  for (const name of Object.keys(query_params)) {
    if (!queryNames.includes(name)) throw new ConsistencyError(`${ir.relDir}/mapping.yaml query_params.${name}: not a query parameter of ${operation.operationId}`);
  }
  for (const p of parameters) {
    if (p['in'] === 'query' && p['required'] === true && query_params[p['name'] as string] === undefined) {
      throw new ConsistencyError(`${ir.relDir}/mapping.yaml: required query parameter ${String(p['name'])} is not mapped`);
    }
  }
  checkSources(ir, 'path_params', path_params);
  checkSources(ir, 'query_params', query_params);
}

function authSettings(scheme: AuthSchemeYaml): string[] {
  switch (scheme.scheme) {
    case 'bearer':
    case 'api-key-header':
      return [scheme.setting];
    case 'sigv4':
    case 'google-oauth':
      return Object.values(scheme.settings);
    case 'none':
      return [];
  }
}

function checkSettings(ir: ProviderIR): void {
  const { auth, settings } = ir.provider;
  const schemes = 'one_of' in auth ? auth.one_of : [auth];
  for (const name of schemes.flatMap(authSettings)) {
    if (settings[name] === undefined) throw new ConsistencyError(`${ir.relDir}/provider.yaml auth: unknown setting ${name}`);
  }
  const base = ir.mapping.operations.generate.url?.base_setting ?? 'api_base';
  if (settings[base] === undefined) throw new ConsistencyError(`${ir.relDir}/mapping.yaml url.base_setting: unknown setting ${base}`);
  for (const [name, setting] of Object.entries(settings)) {
    for (const [, placeholder] of (setting.default ?? '').matchAll(/\{([a-z0-9_]+)\}/g)) {
      if (settings[placeholder!] === undefined || placeholder === name) {
        throw new ConsistencyError(`${ir.relDir}/provider.yaml settings.${name}.default: {${placeholder}} is not another setting`);
      }
    }
    const profile = setting.fallback?.profile_setting;
    if (profile !== undefined && settings[profile] === undefined) {
      throw new ConsistencyError(`${ir.relDir}/provider.yaml settings.${name}.fallback.profile_setting: unknown setting ${profile}`);
    }
  }
}

function accepts(variant: VariantIR, param: string): boolean {
  return variant.request.body[param] !== undefined || variant.request.not_sent?.[param] !== undefined;
}

function checkCatalog(ir: ProviderIR, canonicalParams: ReadonlySet<string>): void {
  const governed = new Set(ir.models.governed_params);
  const hasVariants = ir.mapping.operations.generate.variants !== undefined;
  for (const param of governed) {
    if (!canonicalParams.has(param) && !ir.variants.some((v) => v.request.body[param] !== undefined)) {
      throw new ConsistencyError(`${ir.relDir}/models.yaml governed_params: ${param} is neither a unified param nor mapped by any variant`);
    }
  }
  const check = (label: string, variants: VariantIR[], params: Record<string, { requires?: Record<string, string[]> }>) => {
    for (const [param, rule] of Object.entries(params)) {
      if (!governed.has(param)) throw new ConsistencyError(`${ir.relDir}/models.yaml ${label}.${param}: not in governed_params`);
      for (const variant of variants) {
        if (!accepts(variant, param)) {
          const where = variant.name === 'default' ? 'mapping.yaml' : `mapping.yaml variant ${variant.name}`;
          throw new ConsistencyError(`${ir.relDir}/models.yaml ${label} accepts ${param}, but ${where} never sends it`);
        }
      }
      for (const other of Object.keys(rule.requires ?? {})) {
        if (!governed.has(other)) throw new ConsistencyError(`${ir.relDir}/models.yaml ${label}.${param}.requires: ${other} is not governed`);
      }
    }
  };
  for (const [name, rules] of Object.entries(ir.models.models)) {
    let variants = ir.variants;
    if (hasVariants) {
      const variant = ir.variants.find((v) => v.name === rules.variant);
      if (variant === undefined) {
        throw new ConsistencyError(`${ir.relDir}/models.yaml ${name}.variant: must name one of the mapping's variants (${ir.variants.map((v) => v.name).join(', ')})`);
      }
      variants = [variant];
    } else if (rules.variant !== undefined) {
      throw new ConsistencyError(`${ir.relDir}/models.yaml ${name}.variant: the mapping has no variants`);
    }
    check(name, variants, rules.params);
  }
  for (const [name, rules] of Object.entries(ir.models.api_versions ?? {})) check(`api_versions.${name}`, ir.variants, rules.params);
  if (hasVariants && ir.models.unknown_models !== 'reject') {
    throw new ConsistencyError(`${ir.relDir}/models.yaml unknown_models: a mapping with variants cannot pick a body for an unknown model; use reject`);
  }
}

function checkStream(ir: ProviderIR, kind: 'generate' | 'edit', variants: VariantIR[]): void {
  const stream = ir.mapping.operations[kind]?.stream;
  if (stream === undefined) return;
  for (const variant of variants) {
    if (variant.request.body[stream.param] === undefined) {
      throw new ConsistencyError(`${ir.relDir}/mapping.yaml operations.${kind}.stream.param: ${variantLabel(variant) || 'the request'} does not map ${stream.param} to the body`);
    }
  }
}

/** Edit rules: governed params each edit variant of the model's family sends; families that exist. */
function checkEditCatalog(ir: ProviderIR): void {
  const edit = ir.edit;
  const governed = new Set(ir.models.governed_params);
  const editModels = Object.entries(ir.models.models).filter(([, rules]) => rules.edit !== undefined);
  if (edit === undefined) {
    if (editModels.length > 0 || ir.models.edit_defaults !== undefined) throw new ConsistencyError(`${ir.relDir}/models.yaml: models have edit rules but mapping.yaml has no edit operation`);
    return;
  }
  const families = new Set(ir.variants.map((v) => v.name));
  for (const variant of edit.variants) {
    if (variant.family !== undefined && !families.has(variant.family)) {
      throw new ConsistencyError(`${ir.relDir}/mapping.yaml operations.edit.variants.${variant.name}.family: not a generate variant (${[...families].join(', ')})`);
    }
  }
  const rulesOf = [...editModels.map(([name, rules]) => [name, rules.variant, rules.edit!] as const)];
  if (ir.models.edit_defaults !== undefined) rulesOf.push(['edit_defaults', undefined, ir.models.edit_defaults]);
  for (const [name, family, rules] of rulesOf) {
    const variants = edit.variants.filter((v) => v.family === undefined || v.family === family);
    if (variants.length === 0) throw new ConsistencyError(`${ir.relDir}/models.yaml ${name}.edit: no edit variant serves family ${String(family)}`);
    for (const param of Object.keys(rules.params)) {
      if (!governed.has(param)) throw new ConsistencyError(`${ir.relDir}/models.yaml ${name}.edit.params.${param}: not in governed_params`);
      if (!variants.some((variant) => accepts(variant, param))) {
        throw new ConsistencyError(`${ir.relDir}/models.yaml ${name}.edit accepts ${param}, but no edit variant of its family sends it`);
      }
    }
  }
}

export function checkProviderConsistency(ir: ProviderIR, canonicalParams: ReadonlySet<string>, canonicalFiles: ReadonlySet<string>): void {
  const editVariants = ir.edit?.variants ?? [];
  for (const variant of [...ir.variants, ...editVariants]) {
    checkVariantRequest(ir, variant, canonicalFiles);
    checkVariantResponse(ir, variant);
  }
  checkPathAndQuery(ir, ir.variants, ir.generate);
  if (ir.edit !== undefined) checkPathAndQuery(ir, ir.edit.variants, ir.edit.operation);
  checkStream(ir, 'generate', ir.variants);
  checkStream(ir, 'edit', editVariants);
  checkSettings(ir);
  checkCatalog(ir, canonicalParams);
  checkEditCatalog(ir);
}
