// Precompiled ajv validators (ajv standalone): the unified request at the user boundary, and each
// provider's wire request body (used by property tests to prove translations satisfy the contract).
import { Ajv, type Options } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import standaloneCode from 'ajv/dist/standalone/index.js';
import type { ProviderIR, VariantIR } from '../ir.js';
import { requestBodySchema } from '../check-consistency.js';
import { variantSuffix } from './translator.js';
import { generatedHeader, type GeneratedFile } from './header.js';

const options: Options = {
  code: { source: true, esm: true, lines: false, optimize: true },
  allErrors: true,
  strict: false,
  validateFormats: false,
};

/** ajv's standalone output requires its runtime helpers with CommonJS require(); turn those into ESM imports
 * that work whether the loader hands over module.exports (Node) or its default export (bundlers). */
function toEsm(code: string): string {
  const imports = new Map<string, string>();
  const body = code.replace(/require\("ajv\/dist\/runtime\/([a-z0-9_]+)"\)/g, (_match, name: string) => {
    const local = `ajvRuntime_${name}`;
    imports.set(
      local,
      `import ${local}_module from 'ajv/dist/runtime/${name}.js';\nconst ${local} = { default: ${local}_module.default ?? ${local}_module };`,
    );
    return local;
  });
  if (/require\(/.test(body)) throw new Error('ajv standalone output still contains require()');
  const sortedImports = [...imports.keys()].sort().map((k) => imports.get(k)!);
  return [...sortedImports, body.replace(/^"use strict";/, '')].join('\n');
}

function standalone(ajv: Ajv, exports: Record<string, string>, header: string): string {
  const code = standaloneCode.default(ajv, exports);
  return `${header}// @ts-nocheck\n/* eslint-disable */\n${toEsm(code)}\n`;
}

export function emitCanonicalValidators(schemas: Record<string, Record<string, unknown>>): GeneratedFile {
  const ajv = new Ajv(options);
  const exports: Record<string, string> = {};
  for (const [name, schema] of Object.entries(schemas)) {
    const exportName = `validate${name.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase())}`;
    ajv.addSchema(schema, name);
    exports[exportName] = name;
  }
  const header = generatedHeader('validators', 'spec/canonical/*.schema.json');
  return { path: 'canonical/validators.ts', content: standalone(ajv, exports, header) };
}

/** One validator per JSON variant's request body, exported as requestBodyValidators[variant] (edits: editRequestBodyValidators). */
export function emitWireValidator(provider: ProviderIR): GeneratedFile {
  const contract = provider.contracts[0]!;
  const doc = contract.doc;
  const is31 = String(doc['openapi']).startsWith('3.1');
  const ajv = is31 ? new Ajv2020(options) : new Ajv(options);
  const exports: Record<string, string> = {};
  const editVariants = (provider.edit?.variants ?? []).filter((v) => v.request.encoding !== 'multipart');
  const exportName = (v: VariantIR) => `validate${v.kind === 'edit' ? 'Edit' : ''}RequestBody${variantSuffix(v)}`;
  for (const variant of [...provider.variants, ...editVariants]) {
    const key = `${variant.kind}:${variant.name}`;
    ajv.addSchema({ ...(requestBodySchema(provider, variant.types) as object), components: doc['components'] }, key);
    exports[exportName(variant)] = key;
  }
  const header = generatedHeader('validators', `spec/${provider.relDir}/${contract.file}`);
  const table = (variants: VariantIR[]) => variants.map((v) => `${JSON.stringify(v.name)}: ${exportName(v)}`).join(', ');
  const code =
    standalone(ajv as Ajv, exports, header) +
    `export const requestBodyValidators = { ${table(provider.variants)} };\n` +
    `export const editRequestBodyValidators = { ${table(editVariants)} };\n`;
  return { path: `providers/${provider.id}/validate-wire.ts`, content: code };
}
