// Compiles mapping.yaml into straight-line typed translators: tsc then proves that every body field
// and response field the mapping names exists in the provider's wire types.
import { Project, type SourceFile } from 'ts-morph';
import type { ProviderIR } from '../ir.js';
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

function sourceExpression(source: string): string {
  if (source === 'model') return 'input.model';
  return `requireSetting(input.settings, ${JSON.stringify(source.slice('settings.'.length))})`;
}

function pathExpression(provider: ProviderIR): string {
  const pathParams = provider.mapping.operations.generate.request.path_params ?? {};
  const parts = provider.generate.path.split(/(\{[^}]+\})/).map((part) => {
    const match = /^\{([^}]+)\}$/.exec(part);
    if (match === null) return part.replace(/[`\\$]/g, '\\$&');
    return `\${encodePathParam(${sourceExpression(pathParams[match[1]!]!)})}`;
  });
  return '`' + parts.join('') + '`';
}

function queryExpression(provider: ProviderIR): string {
  const entries = Object.entries(provider.mapping.operations.generate.request.query_params ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return `{ ${entries.map(([name, source]) => `${JSON.stringify(name)}: ${sourceExpression(source)}`).join(', ')} }`;
}

function addRequestBuilder(file: SourceFile, provider: ProviderIR): void {
  const request = provider.mapping.operations.generate.request;
  const statements: string[] = ['const body = {} as RequestBody;'];
  if ((request.extra ?? 'passthrough') === 'passthrough') statements.push('applyExtras(body, input.extras);');
  for (const [param, field] of Object.entries(request.body).sort(([a], [b]) => a.localeCompare(b))) {
    const target = JSON.stringify(field.to);
    if (param === 'model') {
      statements.push(`body[${target}] = input.model as RequestBody[${target}];`);
      continue;
    }
    const source = `input.params[${JSON.stringify(param)}]`;
    statements.push(`if (${source} !== undefined) body[${target}] = ${source} as RequestBody[${target}];`);
  }
  statements.push(
    `return { method: 'POST', path: ${pathExpression(provider)}, query: ${queryExpression(provider)}, body: body as Record<string, unknown> };`,
  );
  file.addFunction({
    isExported: true,
    name: 'buildGenerateRequest',
    parameters: [{ name: 'input', type: 'TranslateInput' }],
    returnType: 'WireRequest',
    statements,
  });
}

function addResponseParser(file: SourceFile, provider: ProviderIR): void {
  const response = provider.mapping.operations.generate.response;
  const root: TypedExpression = { expr: 'raw', type: 'ResponseBody' };
  const imagesArray = readPointer(root, response.images.from);
  file.addTypeAlias({ name: 'ResponseImage', type: `${imagesArray.type}[number]` });
  const imageFields = Object.entries(response.images.each)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, pointer]) => `${name}: readString(${readPointer({ expr: 'item', type: 'ResponseImage' }, pointer).expr}),`);
  const statements: string[] = [
    `const images = readArray(${imagesArray.expr}).map((item) => ({ ${imageFields.join(' ')} }));`,
    'const kept: Record<string, unknown> = {};',
  ];
  for (const name of [...(response.keep ?? [])].sort()) {
    const read = readPointer(root, `/${name}`);
    statements.push(`const ${name} = readString(${read.expr});`, `if (${name} !== undefined) kept[${JSON.stringify(name)}] = ${name};`);
  }
  const created = response.created === undefined ? 'undefined' : `readNumberish(${readPointer(root, response.created).expr})`;
  const usage = response.usage === undefined ? 'undefined' : `readObject(${readPointer(root, response.usage).expr})`;
  statements.push(`return { created: ${created}, images, usage: ${usage}, kept };`);
  file.addFunction({
    isExported: true,
    name: 'parseGenerateResponse',
    parameters: [{ name: 'raw', type: 'unknown' }],
    returnType: 'ParsedResponse',
    statements,
  });
}

export async function emitTranslator(context: EmitContext, provider: ProviderIR): Promise<GeneratedFile> {
  const path = `providers/${provider.id}/translate-generate.ts`;
  const project = new Project({ useInMemoryFileSystem: true });
  const file = project.createSourceFile('translate.ts');
  file.addImportDeclarations([
    { isTypeOnly: true, moduleSpecifier: './wire-types.js', namedImports: ['operations'] },
    {
      isTypeOnly: true,
      moduleSpecifier: srcImport(context, path, 'provider/types.js'),
      namedImports: ['ParsedResponse', 'TranslateInput', 'WireRequest'],
    },
    {
      moduleSpecifier: srcImport(context, path, 'translate/read-body.js'),
      namedImports: ['readArray', 'readField', 'readNumberish', 'readObject', 'readString'],
    },
    {
      moduleSpecifier: srcImport(context, path, 'translate/write-body.js'),
      namedImports: ['applyExtras', 'encodePathParam', 'requireSetting'],
    },
  ]);
  const operation = `operations[${JSON.stringify(provider.generate.operationId)}]`;
  file.addTypeAliases([
    { name: 'Operation', type: operation },
    { name: 'RequestBody', type: `NonNullable<Operation['requestBody']>['content']['application/json']` },
    { name: 'ResponseBody', type: `Operation['responses'][200]['content']['application/json']` },
  ]);
  addRequestBuilder(file, provider);
  addResponseParser(file, provider);
  const source = `spec/${provider.relDir}/mapping.yaml`;
  return { path, content: await formatTypeScript(generatedHeader('translator', source) + file.getFullText()) };
}
