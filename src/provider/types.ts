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

export interface SettingFallback {
  from: 'aws-shared-config' | 'google-credentials';
  key: 'region' | 'project_id';
  profile_setting?: string;
  credentials_setting?: string;
}

export interface SettingSpec {
  params: readonly string[];
  env: readonly string[];
  /** May hold {setting} placeholders, expanded from other settings. */
  default?: string;
  /** A default chosen by another setting's value. */
  default_by?: { setting: string; values: Readonly<Record<string, string>> };
  pattern?: string;
  fallback?: SettingFallback;
  required: boolean;
  secret: boolean;
  description: string;
}

export interface SigV4Settings {
  region: string;
  access_key_id: string;
  secret_access_key: string;
  session_token: string;
  profile: string;
}

export type AuthScheme =
  | { scheme: 'bearer'; setting: string }
  | { scheme: 'api-key-header'; setting: string; header: string }
  | { scheme: 'none' }
  | { scheme: 'sigv4'; service: string; settings: SigV4Settings }
  | { scheme: 'google-oauth'; scopes?: readonly string[]; settings: { credentials: string } };

/** One scheme, or the first of several whose credential is available. */
export type AuthSpec = AuthScheme | { one_of: readonly AuthScheme[] };

export interface SizeRule {
  multiple_of: number;
  min_edge?: number;
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
  aspect_ratios?: readonly string[];
  requires?: Readonly<Record<string, readonly string[]>>;
}

export interface PriceTable {
  by: readonly string[];
  defaults?: Readonly<Record<string, string | number>>;
  values?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  buckets?: Readonly<Record<string, readonly { max?: number; max_pixels?: number; value: string }[]>>;
  table: Readonly<Record<string, unknown>>;
}

/** USD per returned image (flat or by a table over params), or per 1M tokens of each kind from usage. */
export interface Pricing {
  source: string;
  per_image?: number | PriceTable;
  per_million_tokens?: Partial<Record<'text_input' | 'image_input' | 'text_output' | 'image_output', number>>;
}

export interface EditInputRules {
  maxImages: number;
  maxBytes: number;
  mediaTypes: readonly string[];
  mask: 'optional' | 'required' | 'unsupported';
  maskMediaTypes: readonly string[];
  square: boolean;
}

/** A model that edits: the params it accepts for an edit and the input files it takes. */
export interface EditRules {
  prompt: 'required' | 'optional';
  prompt_max_length?: number;
  params: Readonly<Record<string, ParamRule>>;
  pricing?: Pricing;
  inputs: EditInputRules;
}

export interface RuleSet {
  pricing?: Pricing;
  /** Present when the model edits images. */
  edit?: EditRules;
  prompt_max_length?: number;
  /** The generate variant (body format) of this model. */
  variant?: string;
  params: Readonly<Record<string, ParamRule>>;
}

export interface Catalog {
  governedParams: readonly string[];
  unknownModels: 'pass-through' | 'reject';
  /** Regexes removed, in order, from a model id before catalog lookup. */
  lookupStrip: readonly string[];
  models: Readonly<Record<string, RuleSet>>;
  apiVersions: Readonly<Record<string, RuleSet>>;
  /** Edit rules for uncatalogued (pass-through) models. */
  editDefaults?: EditRules;
}

export interface ErrorRule {
  when: { status?: readonly number[]; pointer?: string; header?: string; in?: readonly string[]; message_matches?: string };
  error: ErrorClassName;
}

export interface ErrorMapping {
  message: readonly string[];
  code?: string;
  codeHeader?: string;
  param?: string;
  type?: string;
  classify: readonly ErrorRule[];
}

/** An input image: its bytes, the media type read from them, and a file name for multipart uploads. */
export interface ImageFile {
  bytes: Uint8Array;
  mediaType: string;
  filename: string;
}

/** What a request translator receives: the provider model id, the params the rules let through, settings, input files. */
export interface TranslateInput {
  model: string;
  params: Readonly<Record<string, unknown>>;
  extras: Readonly<Record<string, unknown>>;
  settings: Readonly<Record<string, string | undefined>>;
  /** Edit input files by unified param (image, mask); empty for a generation. */
  files: Readonly<Record<string, readonly ImageFile[]>>;
}

/** Files sent as multipart parts: one part named `name`, or, when several, each named `repeatAs` (when given). */
export interface FilePart {
  name: string;
  repeatAs?: string;
  files: readonly ImageFile[];
}

/** A provider request before the base URL and auth are applied. `path` is already encoded. */
export interface WireRequest {
  method: 'POST';
  path: string;
  query: Record<string, string>;
  body: Record<string, unknown>;
  /** multipart: body's top-level keys become form fields, fileParts file parts. Absent: a JSON body. */
  encoding?: 'multipart';
  fileParts?: FilePart[];
}

export interface ParsedImage {
  b64_json?: string;
  url?: string;
  revised_prompt?: string;
  /** The provider's finish reason for this image, when the variant declares an outcome. */
  reason?: string | null;
}

/** What a response translator makes of a provider's success body. */
export interface ParsedResponse {
  created?: number;
  images: ParsedImage[];
  usage?: Record<string, unknown>;
  kept: Record<string, unknown>;
  /** Set when content moderation blocked some or all of the output. */
  moderationMessage?: string;
  /** Text the provider returned beside the images, for images without a revised prompt of their own. */
  revisedPrompt?: string;
}

export interface ImageOutcomeRule {
  success: readonly string[];
  filtered: { in?: readonly string[]; matches?: string };
}

export interface DataUrlRule {
  mediaType: string;
  byParam?: { param: string; mediaTypes: Readonly<Record<string, string>> };
}

export type WhenRule = Readonly<Record<string, 'present' | 'absent' | readonly (string | number | boolean)[]>>;

/** One body format of an operation. */
export interface GenerateVariant {
  /** The operation this variant calls (its path template). */
  pathTemplate: string;
  /** The operation whose schemas describe this variant's bodies. */
  typesFrom: string;
  /** Edit: the catalog variant (model family) this format serves; absent: every model. */
  family?: string;
  /** Edit: the call must match these conditions for this format to be used. */
  when?: WhenRule;
  encoding: 'json' | 'multipart';
  /** Unified params this variant accepts (written to the body or handled locally). */
  mappedParams: readonly string[];
  extra: 'passthrough' | 'reject';
  outcome?: ImageOutcomeRule;
  dataUrl?: DataUrlRule;
  buildRequest(input: TranslateInput): WireRequest;
  parseResponse(body: unknown): ParsedResponse;
  /** The provider answers in the OpenAI ImagesResponse shape itself, so its answer can be streamed through unchanged. */
  canonicalShape: boolean;
}

export interface StreamEventRule {
  types: readonly string[];
  b64Json: string;
  index?: string;
  createdAt?: string;
  usage?: string;
}

/** The provider streams the operation as server-sent events when `param` is true; pointers read each event's JSON. */
export interface StreamRule {
  param: string;
  type: string;
  partialImage: StreamEventRule;
  completed: StreamEventRule;
  error?: { types: readonly string[]; message: readonly string[]; code?: string };
  keep: readonly string[];
}

export interface GenerateOperation {
  operationId: string;
  method: 'POST';
  pathTemplate: string;
  baseSetting: string;
  fullUrlWhenBaseContains?: string;
  stream?: StreamRule;
  /** Body formats by name; a provider with one format has the single variant "default". */
  variants: Readonly<Record<string, GenerateVariant>>;
}

export type ProviderOperation = GenerateOperation;

export interface ProviderDefinition {
  id: string;
  displayName: string;
  settings: Readonly<Record<string, SettingSpec>>;
  auth: AuthSpec;
  catalog: Catalog;
  errors: ErrorMapping;
  generate: GenerateOperation;
  /** Image edits, when the provider's contract has them. */
  edit?: ProviderOperation;
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
  /** Providers the config-less proxy serves: when one set of env vars is fully set, every catalog model as a group. */
  proxyDefaults: Readonly<Record<string, { whenEnv: readonly (readonly string[])[]; groupPrefix: string }>>;
  load(providerId: string): Promise<ProviderDefinition>;
}
