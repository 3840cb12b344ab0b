import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { validate as validateOpenApi, compileErrors } from '@readme/openapi-parser';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import YAML from 'yaml';
import type { CodegenPaths } from './paths.js';
import type { ContractIR, MappingYaml, ModelsYaml, OpenApiDoc, OperationIR, OperationKind, OperationYaml, ProviderIR, ProviderYaml, SpecIR, VariantIR } from './ir.js';
import { checkProviderConsistency } from './check-consistency.js';

export class SpecError extends Error {}

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

function readYaml(file: string): unknown {
  const doc = YAML.parseDocument(readFileSync(file, 'utf8'), { merge: true });
  if (doc.errors.length > 0) throw new SpecError(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
  return doc.toJS({ maxAliasCount: 1000 });
}

const compiledDslSchemas = new Map<string, ValidateFunction>();

function dslValidator(specDir: string, name: string): ValidateFunction {
  const text = readFileSync(join(specDir, 'dsl', `${name}.schema.json`), 'utf8');
  let validator = compiledDslSchemas.get(text);
  if (validator === undefined) {
    const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
    addFormats.default(ajv);
    validator = ajv.compile(JSON.parse(text) as Record<string, unknown>);
    compiledDslSchemas.set(text, validator);
  }
  return validator;
}

function checkAgainst(validator: ValidateFunction, value: unknown, file: string): void {
  if (validator(value)) return;
  const problems = (validator.errors ?? []).map((e) => `  ${e.instancePath || '/'} ${e.message ?? ''}`).join('\n');
  throw new SpecError(`${file} does not match its DSL schema:\n${problems}`);
}

function findOperation(doc: OpenApiDoc, operationId: string, file: string): OperationIR {
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (operation['operationId'] === operationId) {
        if (method !== 'post') throw new SpecError(`${file}: ${operationId} is ${method.toUpperCase()}, only POST is supported`);
        return { operationId, method: 'POST', path };
      }
    }
  }
  throw new SpecError(`${file}: no operation with operationId ${operationId}`);
}

function verifyUpstreamPins(provider: ProviderYaml, paths: CodegenPaths, file: string): void {
  if (!existsSync(paths.upstreamDir)) return;
  for (const pin of provider.upstream) {
    const upstreamFile = join(paths.upstreamDir, pin.file);
    if (!existsSync(upstreamFile)) throw new SpecError(`${file}: upstream file ${pin.file} is missing from ${paths.upstreamDir}`);
    const actual = createHash('sha256').update(readFileSync(upstreamFile)).digest('hex');
    if (actual !== pin.sha256) {
      throw new SpecError(`${file}: upstream ${pin.file} has sha256 ${actual}, the spec pins ${pin.sha256}; re-derive the contract and update the pin`);
    }
  }
}

/** OpenAPI validation is a pure function of the document text and the slowest step; repeated runs in one process reuse it. */
const contractProblems = new Map<string, Promise<string | undefined>>();

function validateContractOnce(text: string, doc: OpenApiDoc): Promise<string | undefined> {
  const key = createHash('sha256').update(text).digest('hex');
  let problems = contractProblems.get(key);
  if (problems === undefined) {
    problems = validateOpenApi(structuredClone(doc) as never).then((result) => (result.valid ? undefined : compileErrors(result)));
    contractProblems.set(key, problems);
  }
  return problems;
}

async function loadContract(dir: string, file: string, apiVersions: string[], specDir: string): Promise<ContractIR> {
  const path = join(dir, file);
  const doc = readYaml(path) as OpenApiDoc;
  const problems = await validateContractOnce(readFileSync(path, 'utf8'), doc);
  if (problems !== undefined) throw new SpecError(`${relative(specDir, path)} is not a valid OpenAPI document:\n${problems}`);
  return { file, apiVersions, doc };
}

export const DEFAULT_VARIANT = 'default';

function variantsOf(kind: OperationKind, yaml: OperationYaml, operation: OperationIR, find: (operationId: string) => OperationIR): VariantIR[] {
  const { request, response, variants } = yaml;
  if (variants === undefined) return [{ name: DEFAULT_VARIANT, kind, operation, types: operation, request: request!, response: response! }];
  // Edit variants keep their written order: the first whose `when` matches the call is used.
  const entries = Object.entries(variants);
  if (kind === 'generate') entries.sort(([a], [b]) => a.localeCompare(b));
  return entries.map(([name, variant]) => ({
    name,
    kind,
    family: variant.family,
    when: variant.when,
    operation: variant.operation_id === undefined ? operation : find(variant.operation_id),
    types: find(variant.types_from ?? variant.operation_id ?? operation.operationId),
    request: variant.request,
    response: variant.response,
  }));
}

async function loadProvider(
  specDir: string,
  id: string,
  paths: CodegenPaths,
  validators: Record<string, ValidateFunction>,
  canonicalParams: ReadonlySet<string>,
  canonicalFiles: ReadonlySet<string>,
): Promise<ProviderIR> {
  const dir = join(specDir, 'providers', id);
  const rel = (name: string) => relative(paths.specDir, join(dir, name));
  const provider = readYaml(join(dir, 'provider.yaml')) as ProviderYaml;
  checkAgainst(validators['provider']!, provider, rel('provider.yaml'));
  if (provider.id !== id) throw new SpecError(`${rel('provider.yaml')}: id ${provider.id} must equal its folder name ${id}`);
  const mapping = readYaml(join(dir, 'mapping.yaml')) as MappingYaml;
  checkAgainst(validators['mapping']!, mapping, rel('mapping.yaml'));
  const models = readYaml(join(dir, 'models.yaml')) as ModelsYaml;
  checkAgainst(validators['models']!, models, rel('models.yaml'));
  verifyUpstreamPins(provider, paths, rel('provider.yaml'));
  const contracts: ContractIR[] = [];
  for (const contract of provider.contracts) {
    contracts.push(await loadContract(dir, contract.file, contract.api_versions ?? [], specDir));
  }
  const contractFile = rel(contracts[0]!.file);
  const find = (operationId: string) => findOperation(contracts[0]!.doc, operationId, contractFile);
  const generate = find(mapping.operations.generate.operation_id);
  const variants = variantsOf('generate', mapping.operations.generate, generate, find);
  const ir: ProviderIR = { id, dir, relDir: `providers/${id}`, provider, mapping, models, contracts, generate, variants };
  const edit = mapping.operations.edit;
  if (edit !== undefined) {
    const operation = find(edit.operation_id);
    ir.edit = { operation, variants: variantsOf('edit', edit, operation, find) };
  }
  checkProviderConsistency(ir, canonicalParams, canonicalFiles);
  const casesDir = join(dir, 'cases');
  if (existsSync(casesDir)) {
    for (const name of readdirSync(casesDir).filter((n) => n.endsWith('.yaml')).sort()) {
      checkAgainst(validators['case']!, readYaml(join(casesDir, name)), rel(`cases/${name}`));
    }
  }
  return ir;
}

export async function loadSpec(paths: CodegenPaths): Promise<SpecIR> {
  const canonicalDir = join(paths.specDir, 'canonical');
  const canonical: SpecIR['canonical'] = {};
  for (const name of readdirSync(canonicalDir).filter((n) => n.endsWith('.schema.json')).sort()) {
    canonical[name.replace('.schema.json', '')] = readJson(join(canonicalDir, name));
  }
  const validators = Object.fromEntries(
    ['provider', 'mapping', 'models', 'case'].map((name) => [name, dslValidator(paths.specDir, name)]),
  );
  const providerIds = readdirSync(join(paths.specDir, 'providers'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const requestProperties = {
    ...((canonical['image-generation-request']?.['properties'] ?? {}) as Record<string, Record<string, unknown>>),
    ...((canonical['image-edit-request']?.['properties'] ?? {}) as Record<string, Record<string, unknown>>),
  };
  const withRole = (role: string) => new Set(Object.keys(requestProperties).filter((name) => requestProperties[name]!['x-imagegate-role'] === role));
  const canonicalParams = withRole('param');
  const canonicalFiles = withRole('file');
  const providers: ProviderIR[] = [];
  for (const id of providerIds) providers.push(await loadProvider(paths.specDir, id, paths, validators, canonicalParams, canonicalFiles));
  return { canonical, canonicalParams, canonicalFiles, providers };
}
