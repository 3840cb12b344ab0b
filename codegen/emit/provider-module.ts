// The provider module: its settings, auth, catalog and error mapping as data, wired to its translators.
import type { EditRulesYaml, OperationKind, ProviderIR, RuleSetYaml, StreamYaml, VariantIR } from '../ir.js';
import { formatTypeScript } from '../format.js';
import { generatedHeader, srcImport, type EmitContext, type GeneratedFile } from './header.js';
import { toLiteral } from './literal.js';

function editRules(rules: EditRulesYaml | undefined): Record<string, unknown> | undefined {
  if (rules === undefined) return undefined;
  const { inputs } = rules;
  return {
    prompt: rules.prompt ?? 'required',
    prompt_max_length: rules.prompt_max_length,
    params: rules.params,
    pricing: rules.pricing,
    inputs: {
      maxImages: inputs.max_images,
      maxBytes: inputs.max_bytes,
      mediaTypes: inputs.media_types,
      mask: inputs.mask,
      maskMediaTypes: inputs.mask_media_types ?? inputs.media_types,
      square: inputs.square ?? false,
    },
  };
}

function ruleSets(sets: Record<string, RuleSetYaml> | undefined): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(sets ?? {}).map(([name, rules]) => [
      name,
      { prompt_max_length: rules.prompt_max_length, variant: rules.variant, params: rules.params, pricing: rules.pricing, edit: editRules(rules.edit) },
    ]),
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
    editDefaults: editRules(provider.models.edit_defaults),
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
    family: variant.family,
    when: variant.when,
    encoding: request.encoding ?? 'json',
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

function streamData(stream: StreamYaml | undefined): Record<string, unknown> | undefined {
  if (stream === undefined) return undefined;
  const event = (e: StreamYaml['completed']) => ({ types: e.types, b64Json: e.b64_json, index: e.index, createdAt: e.created_at, usage: e.usage });
  return {
    param: stream.param,
    type: stream.type,
    partialImage: event(stream.partial_image),
    completed: event(stream.completed),
    error: stream.error,
    keep: stream.keep ?? [],
  };
}

function operationLiteral(provider: ProviderIR, kind: OperationKind, canonicalParams: ReadonlySet<string>, translators: string): string {
  const yaml = provider.mapping.operations[kind]!;
  const operation = kind === 'generate' ? provider.generate : provider.edit!.operation;
  const variants = kind === 'generate' ? provider.variants : provider.edit!.variants;
  const data = {
    operationId: yaml.operation_id,
    method: 'POST',
    pathTemplate: operation.path,
    baseSetting: yaml.url?.base_setting ?? 'api_base',
    fullUrlWhenBaseContains: yaml.url?.full_url_when_base_contains,
    stream: streamData(yaml.stream),
  };
  const variantEntries = variants
    .map((v) => `${JSON.stringify(v.name)}: { ${toLiteral(variantData(v, canonicalParams)).slice(1, -1)}, ...${translators}[${JSON.stringify(v.name)}] }`)
    .join(', ');
  return `{ ${toLiteral(data).slice(1, -1)}, variants: { ${variantEntries} } }`;
}

export async function emitProviderIndex(context: EmitContext, provider: ProviderIR, canonicalParams: ReadonlySet<string>): Promise<GeneratedFile> {
  const path = `providers/${provider.id}/index.ts`;
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
  const dataLiteral = toLiteral(data).slice(1, -1);
  const edit = provider.edit === undefined ? '' : `, edit: ${operationLiteral(provider, 'edit', canonicalParams, 'editTranslators')}`;
  const code = [
    generatedHeader('provider-module', `spec/${provider.relDir}/provider.yaml`),
    `import type { ProviderDefinition } from '${srcImport(context, path, 'provider/types.js')}';\n`,
    `import { catalog } from './catalog.js';\n`,
    `import { translators } from './translate-generate.js';\n`,
    provider.edit === undefined ? '' : `import { translators as editTranslators } from './translate-edit.js';\n`,
    `\nexport const provider: ProviderDefinition = { ${dataLiteral}, catalog, generate: ${operationLiteral(provider, 'generate', canonicalParams, 'translators')}${edit} };\n`,
  ].join('');
  return { path, content: await formatTypeScript(code) };
}
