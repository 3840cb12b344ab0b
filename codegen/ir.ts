// The typed intermediate representation codegen builds from spec/ before emitting anything.
import type { Pricing } from '../src/provider/types.js';

export interface SettingYaml {
  params: string[];
  env?: string[];
  default?: string;
  pattern?: string;
  default_by?: { setting: string; values: Record<string, string> };
  fallback?: { from: 'aws-shared-config' | 'google-credentials'; key: 'region' | 'project_id'; profile_setting?: string; credentials_setting?: string };
  required?: boolean;
  secret?: boolean;
  description: string;
}

export interface ProviderYaml {
  id: string;
  display_name: string;
  docs: string;
  upstream: { file: string; source: string; sha256: string }[];
  routing: {
    prefixes?: string[];
    bare_catalog_models?: boolean;
    bare_prefixes?: string[];
    uncatalogued_fallback?: string;
    aliases?: string[];
    default_model?: string;
    proxy_default?: { when_env: string[][] };
  };
  contracts: { file: string; api_versions?: string[] }[];
  settings: Record<string, SettingYaml>;
  auth: AuthSchemeYaml | { one_of: AuthSchemeYaml[] };
}

export type AuthSchemeYaml =
  | { scheme: 'bearer'; setting: string }
  | { scheme: 'api-key-header'; setting: string; header: string }
  | { scheme: 'none' }
  | { scheme: 'google-oauth'; scopes?: string[]; settings: { credentials: string } }
  | {
      scheme: 'sigv4';
      service: string;
      settings: { region: string; access_key_id: string; secret_access_key: string; session_token: string; profile: string };
    };

export type TransformName = 'size-to-dimensions' | 'size-to-aspect-ratio';

export interface FileFieldYaml {
  repeat_as?: string;
  item?: Record<string, 'base64' | 'media_type' | 'data_url'>;
  list?: 'single' | 'array' | 'append';
}

export interface FieldMapping {
  to: string | Record<string, string>;
  file?: FileFieldYaml;
  transform?: TransformName;
  values?: Record<string, string | number | boolean>;
  with?: Record<string, unknown>;
}

export interface RequestYaml {
  encoding?: 'json' | 'multipart';
  path_params?: Record<string, string>;
  query_params?: Record<string, string>;
  body: Record<string, FieldMapping>;
  constants?: Record<string, unknown>;
  not_sent?: Record<string, string>;
  extra?: 'passthrough' | 'reject';
  extra_at?: string;
}

export interface OutcomeYaml {
  reason?: string;
  parallel_reasons?: string;
  success: string[];
  filtered: { in?: string[]; matches?: string };
}

export interface DataUrlYaml {
  media_type: string;
  by_param?: { param: string; media_types: Record<string, string> };
}

export interface ResponseYaml {
  created?: string;
  images: { from: string; each: { b64_json?: string; url?: string; revised_prompt?: string }; outcome?: OutcomeYaml };
  moderation?: { pointer: string; in?: string[] }[];
  revised_prompt?: string;
  data_url?: DataUrlYaml;
  usage?: string | Partial<Record<'input_tokens' | 'output_tokens' | 'total_tokens' | 'input_text_tokens' | 'input_image_tokens' | 'output_text_tokens' | 'output_image_tokens', string>>;
  keep?: string[];
}

export type WhenYaml = Record<string, 'present' | 'absent' | (string | number | boolean)[]>;

export interface StreamEventYaml {
  types: string[];
  b64_json: string;
  index?: string;
  created_at?: string;
  usage?: string;
}

export interface StreamYaml {
  param: string;
  type: string;
  partial_image: StreamEventYaml;
  completed: StreamEventYaml;
  error?: { types: string[]; message: string[]; code?: string };
  keep?: string[];
}

export interface VariantYaml {
  operation_id?: string;
  family?: string;
  when?: WhenYaml;
  types_from?: string;
  request: RequestYaml;
  response: ResponseYaml;
}

export interface OperationYaml {
  operation_id: string;
  url?: { base_setting?: string; full_url_when_base_contains?: string };
  request?: RequestYaml;
  response?: ResponseYaml;
  variants?: Record<string, VariantYaml>;
  stream?: StreamYaml;
}

export type OperationKind = 'generate' | 'edit';

export interface MappingYaml {
  operations: { generate: OperationYaml; edit?: OperationYaml };
  errors: {
    message: string[];
    code?: string;
    code_header?: string;
    param?: string;
    type?: string;
    classify?: { when: { status?: number[]; pointer?: string; header?: string; in?: string[]; message_matches?: string }; error: string }[];
  };
}

export interface ParamRuleYaml {
  enum?: (string | number | boolean)[];
  min?: number;
  max?: number;
  custom_sizes?: Record<string, number>;
  aspect_ratios?: string[];
  requires?: Record<string, string[]>;
}

export interface EditRulesYaml {
  source?: string;
  prompt?: 'required' | 'optional';
  prompt_max_length?: number;
  params: Record<string, ParamRuleYaml>;
  inputs: { max_images: number; max_bytes: number; media_types: string[]; mask: 'optional' | 'required' | 'unsupported'; mask_media_types?: string[]; square?: boolean };
  pricing?: Pricing;
}

export interface RuleSetYaml {
  description?: string;
  source?: string;
  prompt_max_length?: number;
  variant?: string;
  pricing?: Pricing;
  params: Record<string, ParamRuleYaml>;
  edit?: EditRulesYaml;
}

export interface ModelsYaml {
  edit_defaults?: EditRulesYaml;
  governed_params: string[];
  unknown_models: 'pass-through' | 'reject';
  lookup_strip?: string[];
  models: Record<string, RuleSetYaml>;
  api_versions?: Record<string, RuleSetYaml>;
}

export type OpenApiDoc = Record<string, unknown> & {
  paths: Record<string, Record<string, Record<string, unknown>>>;
};

export interface ContractIR {
  file: string;
  apiVersions: string[];
  doc: OpenApiDoc;
}

export interface OperationIR {
  operationId: string;
  method: 'POST';
  path: string;
}

export interface VariantIR {
  name: string;
  kind: OperationKind;
  family?: string;
  when?: WhenYaml;
  /** The operation whose path is called. */
  operation: OperationIR;
  /** The operation whose schemas type this variant's bodies. */
  types: OperationIR;
  request: RequestYaml;
  response: ResponseYaml;
}

export interface ProviderIR {
  id: string;
  dir: string;
  /** spec-relative folder, e.g. providers/openai */
  relDir: string;
  provider: ProviderYaml;
  mapping: MappingYaml;
  models: ModelsYaml;
  contracts: ContractIR[];
  /** The operation whose path is called. */
  generate: OperationIR;
  /** Body formats; a provider with one format has the single variant "default". */
  variants: VariantIR[];
  /** The edit operation, when the provider has one. */
  edit?: { operation: OperationIR; variants: VariantIR[] };
}

export interface SpecIR {
  canonical: Record<string, Record<string, unknown>>;
  /** Unified request keys with role param (an edit's included). */
  canonicalParams: ReadonlySet<string>;
  /** Unified request keys with role file (image, mask). */
  canonicalFiles: ReadonlySet<string>;
  providers: ProviderIR[];
}
