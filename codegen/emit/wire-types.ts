import openapiTS, { astToString } from 'openapi-typescript';
import type { ProviderIR } from '../ir.js';
import { formatTypeScript } from '../format.js';
import { generatedHeader, type GeneratedFile } from './header.js';

/** Wire types of a provider's primary contract, by openapi-typescript. */
export async function emitWireTypes(provider: ProviderIR): Promise<GeneratedFile> {
  const contract = provider.contracts[0]!;
  const ast = await openapiTS(structuredClone(contract.doc) as never, { alphabetize: true, exportType: true });
  const source = `spec/${provider.relDir}/${contract.file}`;
  const code = generatedHeader('wire-types', source) + '/* eslint-disable */\n' + astToString(ast);
  return { path: `providers/${provider.id}/wire-types.ts`, content: await formatTypeScript(code) };
}
