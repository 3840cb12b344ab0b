// The provider module: its settings, auth, catalog and error mapping as data, wired to its translators.
import type { ProviderIR, RuleSetYaml, VariantIR } from '../ir.js';
import { formatTypeScript } from '../format.js';
import { generatedHeader, srcImport, type EmitContext, type GeneratedFile } from './header.js';
import { toLiteral } from './literal.js';

function ruleSets(sets: Record<string, RuleSetYaml> | undefined): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(sets ?? {}).map(([name, rules]) => [name, { prompt_max_length: rules.prompt_max_length, variant: rules.variant, params: rules.params, pricing: rules.pricing }]),
  );
}

function settingsData(provider: ProviderIR): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(provider.provider.settings).map(([name, s]) => [
      name,
      {
        params: s.params,
        env: s.env ?? [],
        default: s.default,
        default_by: s.default_by,
        pattern: s.pattern,
        fallback: s.fallback,
        required: s.required ?? false,
        secret: s.secret ?? false,
        description: s.description,
      },
    ]),
  );
}

export async function emitCatalog(context: EmitContext, provider: ProviderIR): Promise<GeneratedFile> {
  const path = `providers/${provider.id}/catalog.ts`;
  const catalog = {
    governedParams: provider.models.governed_params,
    unknownModels: provider.models.unknown_models,
    lookupStrip: provider.models.lookup_strip ?? [],
    models: ruleSets(provider.models.models),
    apiVersions: ruleSets(provider.models.api_versions),
  };
  const code = [
    generatedHeader('provider-module', `spec/${provider.relDir}/models.yaml`),
    `import type { Catalog } from '${srcImport(context, path, 'provider/types.js')}';\n`,
    `export const catalog: Catalog = ${toLiteral(catalog)};\n`,
  ].join('');
  return { path, content: await formatTypeScript(code) };
}

function variantData(variant: VariantIR, canonicalParams: ReadonlySet<string>): Record<string, unknown> {
  const { request, response } = variant;
  const accepted = [...Object.keys(request.body), ...Object.keys(request.not_sent ?? {})].filter((p) => p === 'model' || canonicalParams.has(p));
  const outcome = response.images.outcome;
  const dataUrl = response.data_url;
  return {
    pathTemplate: variant.operation.path,
    typesFrom: variant.types.operationId,
    mappedParams: accepted.sort(),
    extra: request.extra ?? 'passthrough',
    outcome: outcome === undefined ? undefined : { success: outcome.success, filtered: outcome.filtered },
    dataUrl:
      dataUrl === undefined
        ? undefined
        : {
            mediaType: dataUrl.media_type,
            byParam: dataUrl.by_param === undefined ? undefined : { param: dataUrl.by_param.param, mediaTypes: dataUrl.by_param.media_types },
          },
  };
}

export async function emitProviderIndex(context: EmitContext, provider: ProviderIR, canonicalParams: ReadonlySet<string>): Promise<GeneratedFile> {
  const path = `providers/${provider.id}/index.ts`;
  const generate = provider.mapping.operations.generate;
  const errors = provider.mapping.errors;
  const data = {
    id: provider.id,
    displayName: provider.provider.display_name,
    settings: settingsData(provider),
    auth: provider.provider.auth,
    errors: {
      message: errors.message,
      code: errors.code,
      codeHeader: errors.code_header,
      param: errors.param,
      type: errors.type,
      classify: errors.classify ?? [],
    },
  };
  const operation = {
    operationId: generate.operation_id,
    method: 'POST',
    pathTemplate: provider.generate.path,
    baseSetting: generate.url?.base_setting ?? 'api_base',
    fullUrlWhenBaseContains: generate.url?.full_url_when_base_contains,
  };
  const variants = provider.variants
    .map((v) => `${JSON.stringify(v.name)}: { ${toLiteral(variantData(v, canonicalParams)).slice(1, -1)}, ...translators[${JSON.stringify(v.name)}] }`)
    .join(', ');
  const dataLiteral = toLiteral(data).slice(1, -1);
  const operationLiteral = toLiteral(operation).slice(1, -1);
  const code = [
    generatedHeader('provider-module', `spec/${provider.relDir}/provider.yaml`),
    `import type { ProviderDefinition } from '${srcImport(context, path, 'provider/types.js')}';\n`,
    `import { catalog } from './catalog.js';\n`,
    `import { translators } from './translate-generate.js';\n\n`,
    `export const provider: ProviderDefinition = { ${dataLiteral}, catalog, generate: { ${operationLiteral}, variants: { ${variants} } } };\n`,
  ].join('');
  return { path, content: await formatTypeScript(code) };
}
