// The shape every generated provider module exports. Generated code fills it from spec/;
// the runtime reads it and never names a provider itself.

export type ErrorClassName =
  | 'bad-request'
  | 'content-policy'
  | 'authentication'
  | 'permission-denied'
  | 'not-found'
  | 'timeout'
  | 'conflict'
  | 'rate-limit'
  | 'internal-server'
  | 'bad-gateway'
  | 'service-unavailable';

export interface SettingSpec {
  params: readonly string[];
  env: readonly string[];
  default?: string;
  required: boolean;
  secret: boolean;
  description: string;
}

export type AuthSpec =
  | { scheme: 'bearer'; setting: string }
  | { scheme: 'api-key-header'; setting: string; header: string }
  | { scheme: 'none' };

export interface SizeRule {
  multiple_of: number;
  max_edge: number;
  max_pixels?: number;
  min_pixels?: number;
  min_aspect_ratio: number;
  max_aspect_ratio: number;
}

export interface ParamRule {
  enum?: readonly (string | number | boolean)[];
  min?: number;
  max?: number;
  custom_sizes?: SizeRule;
  requires?: Readonly<Record<string, readonly string[]>>;
}

export interface RuleSet {
  prompt_max_length?: number;
  params: Readonly<Record<string, ParamRule>>;
}

export interface Catalog {
  governedParams: readonly string[];
  unknownModels: 'pass-through' | 'reject';
  models: Readonly<Record<string, RuleSet>>;
  apiVersions: Readonly<Record<string, RuleSet>>;
}

export interface ErrorRule {
  when: { status?: readonly number[]; pointer?: string; header?: string; in?: readonly string[] };
  error: ErrorClassName;
}

export interface ErrorMapping {
  message: readonly string[];
  code?: string;
  param?: string;
  type?: string;
  classify: readonly ErrorRule[];
}

/** What a request translator receives: the provider model id, the params the rules let through, settings. */
export interface TranslateInput {
  model: string;
  params: Readonly<Record<string, unknown>>;
  extras: Readonly<Record<string, unknown>>;
  settings: Readonly<Record<string, string | undefined>>;
}

/** A provider request before the base URL and auth are applied. `path` is already encoded. */
export interface WireRequest {
  method: 'POST';
  path: string;
  query: Record<string, string>;
  body: Record<string, unknown>;
}

export interface ParsedImage {
  b64_json?: string;
  url?: string;
  revised_prompt?: string;
}

/** What a response translator makes of a provider's success body. */
export interface ParsedResponse {
  created?: number;
  images: ParsedImage[];
  usage?: Record<string, unknown>;
  kept: Record<string, unknown>;
}

export interface GenerateOperation {
  operationId: string;
  method: 'POST';
  pathTemplate: string;
  baseSetting: string;
  fullUrlWhenBaseContains?: string;
  /** Body fields the mapping fills from unified params, keyed by unified param. */
  mappedParams: readonly string[];
  extra: 'passthrough' | 'reject';
  buildRequest(input: TranslateInput): WireRequest;
  parseResponse(body: unknown): ParsedResponse;
}

export interface ProviderDefinition {
  id: string;
  displayName: string;
  settings: Readonly<Record<string, SettingSpec>>;
  auth: AuthSpec;
  catalog: Catalog;
  errors: ErrorMapping;
  generate: GenerateOperation;
}

export interface PrefixRoute {
  prefix: string;
  provider: string;
  uncataloguedFallback?: string;
}

/** The model-prefix registry codegen writes to generated/registry.ts. */
export interface Registry {
  providerIds: readonly string[];
  defaultModel: string;
  prefixRoutes: readonly PrefixRoute[];
  bareModels: Readonly<Record<string, string>>;
  barePrefixes: readonly PrefixRoute[];
  aliases: Readonly<Record<string, string>>;
  catalogModels: Readonly<Record<string, readonly string[]>>;
  load(providerId: string): Promise<ProviderDefinition>;
}
