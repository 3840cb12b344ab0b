import openapiTS, { astToString } from 'openapi-typescript';
import { formatTypeScript } from '../format.js';
import { generatedHeader, type GeneratedFile } from './header.js';

const typeNames: Record<string, string> = {
  'image-generation-request': 'ImageGenerationRequest',
  'image-response': 'ImagesResponse',
  error: 'ErrorResponse',
  warning: 'Warning',
  'proxy-config': 'ProxyConfig',
  'image-edit-request': 'ImageEditFields',
  'image-stream-event': 'ImageStreamEvent',
};

function stripDialect(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _schema, $id: _id, definitions: _definitions, ...rest } = schema;
  return rest;
}

const pascal = (name: string): string => name.replace(/(^|[-_])([a-z])/g, (_m, _d, c: string) => c.toUpperCase());

/** A schema's local definitions become sibling components (Name + Definition), their $refs rewritten to match. */
function hoistDefinitions(name: string, schema: Record<string, unknown>, components: Record<string, unknown>): Record<string, unknown> {
  const definitions = (schema['definitions'] ?? {}) as Record<string, unknown>;
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (node === null || typeof node !== 'object') return node;
    return Object.fromEntries(
      Object.entries(node).map(([key, value]) =>
        key === '$ref' && typeof value === 'string' && value.startsWith('#/definitions/')
          ? [key, `#/components/schemas/${name}${pascal(value.slice('#/definitions/'.length))}`]
          : [key, rewrite(value)],
      ),
    );
  };
  for (const [definition, body] of Object.entries(definitions)) components[`${name}${pascal(definition)}`] = rewrite(body);
  return rewrite(stripDialect(schema)) as Record<string, unknown>;
}

/** TypeScript types of the canonical schemas, by openapi-typescript over a wrapper document. */
export async function emitCanonicalTypes(schemas: Record<string, Record<string, unknown>>): Promise<GeneratedFile> {
  const components: Record<string, unknown> = {};
  for (const [file, schema] of Object.entries(schemas)) {
    const name = typeNames[file];
    if (name === undefined) throw new Error(`spec/canonical/${file}.schema.json has no type name in codegen/emit/canonical-types.ts`);
    components[name] = hoistDefinitions(name, schema, components);
  }
  const wrapper = { openapi: '3.1.0', info: { title: 'imagegate canonical', version: '1' }, paths: {}, components: { schemas: components } };
  const ast = await openapiTS(wrapper as never, { alphabetize: true, exportType: true });
  const aliases = Object.keys(components)
    .sort()
    .map((name) => `export type ${name} = components['schemas']['${name}'];`)
    .join('\n');
  const code = generatedHeader('canonical-types', 'spec/canonical/*.schema.json') + astToString(ast) + '\n' + aliases + '\n';
  return { path: 'canonical/types.ts', content: await formatTypeScript(code) };
}
