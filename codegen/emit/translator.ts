// Compiles mapping.yaml into straight-line translators, one request builder and one response parser per
// variant. Response reads are typed: tsc proves every field the mapping reads exists in the wire types.
// Request targets are checked against the contract's schemas by check-consistency (they may be nested
// inside oneOf bodies that TypeScript cannot index).
import { Node, Project, type SourceFile } from 'ts-morph';
import type { FieldMapping, OperationKind, ProviderIR, ResponseYaml, VariantIR } from '../ir.js';
import { targetChoices, targetSegments } from '../check-consistency.js';
import { formatTypeScript } from '../format.js';
import { generatedHeader, srcImport, type EmitContext, type GeneratedFile } from './header.js';

interface TypedExpression {
  expr: string;
  type: string;
}

function pointerSegments(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** A tolerant read of a JSON pointer whose every segment tsc checks against the wire type. */
function readPointer(root: TypedExpression, pointer: string): TypedExpression {
  return pointerSegments(pointer).reduce<TypedExpression>(
    (current, segment) => {
      const key = JSON.stringify(segment);
      return {
        expr: `readField(${current.expr}, ${key} satisfies keyof ${current.type})`,
        type: `NonNullable<${current.type}[${key}]>`,
      };
    },
    root,
  );
}

function segmentsArray(pointer: string): string {
  return JSON.stringify(pointerSegments(pointer));
}

/** A pointer with * segments: read with readAll; its type walks [number] at each *, so tsc checks every field name. */
function walkAll(root: TypedExpression, pointer: string): TypedExpression {
  const type = pointerSegments(pointer).reduce(
    (current, segment) => (segment === '*' ? `NonNullable<${current}>[number]` : `NonNullable<${current}>[${JSON.stringify(segment)}]`),
    root.type,
  );
  return { expr: `readAll(${root.expr}, ${segmentsArray(pointer)})`, type: `NonNullable<${type}>` };
}

export function variantSuffix(variant: VariantIR): string {
  return variant.name.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase());
}

function sourceExpression(source: string): string {
  if (source === 'model') return 'input.model';
  return `requireSetting(input.settings, ${JSON.stringify(source.slice('settings.'.length))})`;
}

function pathExpression(variant: VariantIR): string {
  const pathParams = variant.request.path_params ?? {};
  const parts = variant.operation.path.split(/(\{[^}]+\})/).map((part) => {
    const match = /^\{([^}]+)\}$/.exec(part);
    if (match === null) return part.replace(/[`\\$]/g, '\\$&');
    return `\${encodePathParam(${sourceExpression(pathParams[match[1]!]!)})}`;
  });
  return '`' + parts.join('') + '`';
}

function queryExpression(variant: VariantIR): string {
  const entries = Object.entries(variant.request.query_params ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return `{ ${entries.map(([name, source]) => `${JSON.stringify(name)}: ${sourceExpression(source)}`).join(', ')} }`;
}

function segmentsLiteral(target: string): string {
  return `[${targetSegments(target)
    .map((s) => (/^\d+$/.test(s) ? s : JSON.stringify(s)))
    .join(', ')}]`;
}

function fieldStatement(param: string, field: FieldMapping, source: string, choices: (target: string) => string[]): string {
  const label = JSON.stringify(param);
  if (field.transform === undefined && field.with === undefined) {
    const table = field.values === undefined ? '' : `, ${JSON.stringify(field.values)}`;
    return `writeParam(body, ${segmentsLiteral(field.to as string)}, ${source}, ${label}${table});`;
  }
  const value = `value_${param}`;
  const writes: string[] = [];
  if (field.transform !== undefined) {
    const outputs = typeof field.to === 'string' ? { value: field.to } : field.to;
    const options = field.transform === 'size-to-aspect-ratio' ? `, ${JSON.stringify(choices(field.to as string))}` : '';
    writes.push(`const out = applyTransform(${JSON.stringify(field.transform)}, ${value}, ${label}${options});`);
    for (const [output, target] of Object.entries(outputs).sort(([a], [b]) => a.localeCompare(b))) {
      writes.push(`writeAt(body, ${segmentsLiteral(target)}, out[${JSON.stringify(output)}], ${label});`);
    }
  } else {
    writeParamOrMapped(writes, field, value, label);
  }
  for (const [target, fixed] of Object.entries(field.with ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    writes.push(`writeAt(body, ${segmentsLiteral(target)}, ${JSON.stringify(fixed)}, ${label});`);
  }
  return `{ const ${value} = ${source}; if (${value} !== undefined) { ${writes.join(' ')} } }`;
}

function writeParamOrMapped(writes: string[], field: FieldMapping, value: string, label: string): void {
  const mapped = field.values === undefined ? value : `mapValue(${value}, ${JSON.stringify(field.values)}, ${label})`;
  writes.push(`writeAt(body, ${segmentsLiteral(field.to as string)}, ${mapped}, ${label});`);
}

/** Files are written after every other param, so `append` lands after what the mapping put there (e.g. the prompt part). */
function fileStatement(param: string, field: FieldMapping, multipart: boolean): string {
  const files = `input.files[${JSON.stringify(param)}]`;
  const target = field.to as string;
  if (multipart) {
    const repeatAs = field.file?.repeat_as === undefined ? '' : `, repeatAs: ${JSON.stringify(field.file.repeat_as)}`;
    return `if (${files} !== undefined) fileParts.push({ name: ${JSON.stringify(target)}${repeatAs}, files: ${files} });`;
  }
  const options = JSON.stringify({ item: field.file?.item, list: field.file?.list ?? 'single' });
  return `if (${files} !== undefined) writeFiles(body, ${segmentsLiteral(target)}, ${files}, ${options}, ${JSON.stringify(param)});`;
}

function addRequestBuilder(file: SourceFile, provider: ProviderIR, variant: VariantIR, canonicalParams: ReadonlySet<string>): void {
  const request = variant.request;
  const multipart = request.encoding === 'multipart';
  const all = Object.entries(request.body).sort(([a], [b]) => a.localeCompare(b));
  const entries = all.filter(([, field]) => field.file === undefined);
  const fileEntries = all.filter(([, field]) => field.file !== undefined);
  const mappedExtras = entries.filter(([param]) => param !== 'model' && !canonicalParams.has(param)).map(([param]) => param);
  const statements: string[] = ['const body: Record<string, unknown> = {};'];
  if (multipart) statements.push('const fileParts: FilePart[] = [];');
  if ((request.extra ?? 'passthrough') === 'passthrough') {
    const at = request.extra_at === undefined ? '' : `, ${segmentsLiteral(request.extra_at)}`;
    statements.push(`applyExtras(body, input.extras, ${JSON.stringify(mappedExtras)}${at});`);
  }
  for (const [target, value] of Object.entries(request.constants ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    statements.push(`writeAt(body, ${segmentsLiteral(target)}, ${JSON.stringify(value)}, 'the request format');`);
  }
  for (const [param, field] of entries) {
    if (param === 'model') {
      statements.push(`writeAt(body, ${segmentsLiteral(field.to as string)}, input.model, 'model');`);
      continue;
    }
    const source = canonicalParams.has(param) ? `input.params[${JSON.stringify(param)}]` : `input.extras[${JSON.stringify(param)}]`;
    statements.push(fieldStatement(param, field, source, (target) => targetChoices(provider, variant, target)));
  }
  for (const [param, field] of fileEntries) statements.push(fileStatement(param, field, multipart));
  const encoding = multipart ? `, encoding: 'multipart', fileParts` : '';
  statements.push(`return { method: 'POST', path: ${pathExpression(variant)}, query: ${queryExpression(variant)}, body${encoding} };`);
  file.addFunction({
    name: `buildRequest${variantSuffix(variant)}`,
    parameters: [{ name: 'input', type: 'TranslateInput' }],
    returnType: 'WireRequest',
    statements,
  });
}

function addResponseParser(file: SourceFile, variant: VariantIR): void {
  const suffix = variantSuffix(variant);
  const response = variant.response;
  const root: TypedExpression = { expr: 'raw', type: `ResponseBody${suffix}` };
  const imagesArray = response.images.from.includes('/*') ? walkAll(root, response.images.from) : readPointer(root, response.images.from);
  file.addTypeAlias({ name: `ResponseImage${suffix}`, type: `${imagesArray.type}[number]` });
  const item: TypedExpression = { expr: 'item', type: `ResponseImage${suffix}` };
  const fields = Object.entries(response.images.each)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, pointer]) => `${name}: readString(${readPointer(item, pointer).expr}),`);
  const outcome = response.images.outcome;
  if (outcome?.reason !== undefined) fields.push(`reason: readReason(${readPointer(item, outcome.reason).expr}),`);
  const items = response.images.from.includes('/*') ? `${imagesArray.expr}.flatMap(readArray)` : `readArray(${imagesArray.expr})`;
  const statements: string[] = [`const images: ParsedImage[] = ${items}.map((item) => ({ ${fields.join(' ')} }));`];
  if (outcome?.parallel_reasons !== undefined) {
    statements.push(`alignReasons(images, readArray(${readPointer(root, outcome.parallel_reasons).expr}));`);
  }
  statements.push('const kept: Record<string, unknown> = {};');
  for (const name of [...(response.keep ?? [])].sort()) {
    const read = readPointer(root, `/${name}`);
    statements.push(`const ${name} = readString(${read.expr});`, `if (${name} !== undefined) kept[${JSON.stringify(name)}] = ${name};`);
  }
  const created = response.created === undefined ? 'undefined' : `readNumberish(${readPointer(root, response.created).expr})`;
  const usage =
    response.usage === undefined
      ? 'undefined'
      : typeof response.usage === 'string'
        ? `readObject(${readPointer(root, response.usage).expr})`
        : `readTokenUsage({ ${Object.entries(response.usage)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([name, pointer]) => `${name}: readNumberish(${readPointer(root, pointer).expr})`)
            .join(', ')} })`;
  const moderationRules = (response.moderation ?? []).map((rule) => `{ path: ${segmentsArray(rule.pointer)}${rule.in === undefined ? '' : `, in: ${JSON.stringify(rule.in)}`} }`);
  const moderation = moderationRules.length === 0 ? 'undefined' : `readModeration(raw, [${moderationRules.join(', ')}])`;
  const revised = response.revised_prompt === undefined ? 'undefined' : `readJoinedText(raw, ${segmentsArray(response.revised_prompt)})`;
  statements.push(`return { created: ${created}, images, usage: ${usage}, kept, moderationMessage: ${moderation}, revisedPrompt: ${revised} };`);
  file.addFunction({
    name: `parseResponse${suffix}`,
    parameters: [{ name: 'raw', type: 'unknown' }],
    returnType: 'ParsedResponse',
    statements,
  });
}

/**
 * The provider answers in the OpenAI ImagesResponse shape itself (same field names at the same places, nothing
 * filtered, converted or read from elsewhere): the proxy may stream such an answer through as it arrives.
 */
export function answersInCanonicalShape(response: ResponseYaml): boolean {
  const sameName = Object.entries(response.images.each).every(([name, pointer]) => pointer === `/${name}`);
  return (
    response.created === '/created' &&
    response.images.from === '/data' &&
    response.images.each.b64_json === '/b64_json' &&
    sameName &&
    response.images.outcome === undefined &&
    response.moderation === undefined &&
    response.revised_prompt === undefined &&
    response.data_url === undefined &&
    (response.usage === undefined || response.usage === '/usage')
  );
}

function addTypeAliases(file: SourceFile, variant: VariantIR): void {
  const suffix = variantSuffix(variant);
  file.addTypeAliases([
    { name: `Operation${suffix}`, type: `operations[${JSON.stringify(variant.types.operationId)}]` },
    { name: `ResponseBody${suffix}`, type: `Operation${suffix}['responses'][200]['content']['application/json']` },
  ]);
}

export async function emitTranslator(context: EmitContext, provider: ProviderIR, kind: OperationKind, canonicalParams: ReadonlySet<string>): Promise<GeneratedFile> {
  const variants = kind === 'generate' ? provider.variants : (provider.edit?.variants ?? []);
  const path = `providers/${provider.id}/translate-${kind}.ts`;
  const project = new Project({ useInMemoryFileSystem: true });
  const file = project.createSourceFile('translate.ts');
  file.addImportDeclarations([
    { isTypeOnly: true, moduleSpecifier: './wire-types.js', namedImports: ['operations'] },
    {
      isTypeOnly: true,
      moduleSpecifier: srcImport(context, path, 'provider/types.js'),
      namedImports: ['FilePart', 'ParsedImage', 'ParsedResponse', 'TranslateInput', 'WireRequest'],
    },
    {
      moduleSpecifier: srcImport(context, path, 'translate/read-body.js'),
      namedImports: ['alignReasons', 'readAll', 'readArray', 'readField', 'readJoinedText', 'readModeration', 'readNumberish', 'readObject', 'readReason', 'readString', 'readTokenUsage'],
    },
    {
      moduleSpecifier: srcImport(context, path, 'translate/write-body.js'),
      namedImports: ['applyExtras', 'encodePathParam', 'mapValue', 'requireSetting', 'writeAt', 'writeFiles', 'writeParam'],
    },
    { moduleSpecifier: srcImport(context, path, 'transforms/index.js'), namedImports: ['applyTransform'] },
  ]);
  for (const variant of variants) {
    addTypeAliases(file, variant);
    addRequestBuilder(file, provider, variant, canonicalParams);
    addResponseParser(file, variant);
  }
  const translators = variants
    .map(
      (v) =>
        `${JSON.stringify(v.name)}: { buildRequest: buildRequest${variantSuffix(v)}, parseResponse: parseResponse${variantSuffix(v)}, canonicalShape: ${answersInCanonicalShape(v.response)} }`,
    )
    .join(', ');
  file.addStatements(`export const translators = { ${translators} };`);
  pruneUnusedImports(file);
  const source = `spec/${provider.relDir}/mapping.yaml`;
  return { path, content: await formatTypeScript(generatedHeader('translator', source) + file.getFullText()) };
}

/** Imports only what this provider's translators use. */
function pruneUnusedImports(file: SourceFile): void {
  const body = file
    .getStatements()
    .filter((statement) => !Node.isImportDeclaration(statement))
    .map((statement) => statement.getText())
    .join('\n');
  for (const declaration of file.getImportDeclarations()) {
    for (const named of declaration.getNamedImports()) {
      if (!new RegExp(`\\b${named.getName()}\\b`).test(body)) named.remove();
    }
    if (declaration.getNamedImports().length === 0) declaration.remove();
  }
}
