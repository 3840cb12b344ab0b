import openapiTS, { astToString } from 'openapi-typescript';
import { formatTypeScript } from '../format.js';
import { generatedHeader, type GeneratedFile } from './header.js';

const typeNames: Record<string, string> = {
  'image-generation-request': 'ImageGenerationRequest',
  'image-response': 'ImagesResponse',
  error: 'ErrorResponse',
  warning: 'Warning',
};

function stripDialect(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

/** TypeScript types of the canonical schemas, by openapi-typescript over a wrapper document. */
export async function emitCanonicalTypes(schemas: Record<string, Record<string, unknown>>): Promise<GeneratedFile> {
  const components: Record<string, unknown> = {};
  for (const [file, schema] of Object.entries(schemas)) {
    const name = typeNames[file];
    if (name === undefined) throw new Error(`spec/canonical/${file}.schema.json has no type name in codegen/emit/canonical-types.ts`);
    components[name] = stripDialect(schema);
  }
  const wrapper = { openapi: '3.1.0', info: { title: 'imagegate canonical', version: '1' }, paths: {}, components: { schemas: components } };
  const ast = await openapiTS(wrapper as never, { alphabetize: true, exportType: true });
  const aliases = Object.values(typeNames)
    .sort()
    .map((name) => `export type ${name} = components['schemas']['${name}'];`)
    .join('\n');
  const code = generatedHeader('canonical-types', 'spec/canonical/*.schema.json') + astToString(ast) + '\n' + aliases + '\n';
  return { path: 'canonical/types.ts', content: await formatTypeScript(code) };
}
