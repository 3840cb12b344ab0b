// The typed intermediate representation codegen builds from spec/ before emitting anything.

export interface SettingYaml {
  params: string[];
  env?: string[];
  default?: string;
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
  };
  contracts: { file: string; api_versions?: string[] }[];
  settings: Record<string, SettingYaml>;
  auth: { scheme: 'bearer'; setting: string } | { scheme: 'api-key-header'; setting: string; header: string } | { scheme: 'none' };
}

export interface FieldMapping {
  to: string;
}

export interface MappingYaml {
  operations: {
    generate: {
      operation_id: string;
      url?: { base_setting?: string; full_url_when_base_contains?: string };
      request: {
        path_params?: Record<string, string>;
        query_params?: Record<string, string>;
        body: Record<string, FieldMapping>;
        extra?: 'passthrough' | 'reject';
      };
      response: {
        created?: string;
        images: { from: string; each: { b64_json?: string; url?: string; revised_prompt?: string } };
        usage?: string;
        keep?: string[];
      };
    };
  };
  errors: {
    message: string[];
    code?: string;
    param?: string;
    type?: string;
    classify?: { when: { status?: number[]; pointer?: string; header?: string; in?: string[] }; error: string }[];
  };
}

export interface ParamRuleYaml {
  enum?: (string | number | boolean)[];
  min?: number;
  max?: number;
  custom_sizes?: Record<string, number>;
  requires?: Record<string, string[]>;
}

export interface RuleSetYaml {
  description?: string;
  source?: string;
  prompt_max_length?: number;
  params: Record<string, ParamRuleYaml>;
}

export interface ModelsYaml {
  governed_params: string[];
  unknown_models: 'pass-through' | 'reject';
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

export interface ProviderIR {
  id: string;
  dir: string;
  /** spec-relative folder, e.g. providers/openai */
  relDir: string;
  provider: ProviderYaml;
  mapping: MappingYaml;
  models: ModelsYaml;
  contracts: ContractIR[];
  generate: OperationIR;
}

export interface SpecIR {
  canonical: Record<string, Record<string, unknown>>;
  providers: ProviderIR[];
}
