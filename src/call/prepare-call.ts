// Everything a provider call needs, worked out once before the first attempt: the provider and model, the
// catalog's verdict on the params (and files), the translated wire request, its URL, headers and body.
import { registry as generatedRegistry } from '../../generated/registry.js';
import type { Pricing, ProviderDefinition, ProviderOperation, Registry, GenerateVariant, ImageFile } from '../provider/types.js';
import { buildUrl, publicBase } from '../dispatch/build-url.js';
import { resolveModel } from '../dispatch/resolve-model.js';
import { BadRequestError } from '../errors/classes.js';
import type { UpstreamErrorContext } from '../errors/map-upstream-error.js';
import { checkEditFiles, type EditFiles } from '../files/edit-inputs.js';
import { splitParams } from '../params/split-params.js';
import type { Warning } from '../response/warnings.js';
import { applyRules } from '../rules/apply-rules.js';
import { resolveSettings, secretValues, type Settings } from '../settings/resolve-settings.js';
import { userAgent } from '../version.js';
import { encodeBody } from './encode-body.js';

export interface CallOptions {
  /** Environment to read provider settings from (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Clock in milliseconds (default: Date.now). */
  now?: () => number;
  /** The model registry to dispatch with (default: the one generated from spec/). */
  registry?: Registry;
  /** Told how long each provider HTTP call took (ms), failed ones included: the proxy's overhead = total - these. */
  onUpstreamDuration?: (ms: number) => void;
  /** The price to charge instead of the catalog's (a proxy deployment's model_info prices). */
  pricing?: Pricing;
}

/** What the runtime's own callers (the Router, for the proxy) may ask beyond the public CallOptions. */
export interface RunOptions extends CallOptions {
  /**
   * Answers of 256 KB and more come as a RawImageAnswer, the ImagesResponse JSON as bytes to write out, instead of
   * being parsed: for a proxy that forwards multi-megabyte images without decoding them.
   */
  rawAnswers?: boolean;
}

export type OperationName = 'generate' | 'edit';

export interface PreparedCall {
  operationName: OperationName;
  provider: ProviderDefinition;
  operation: ProviderOperation;
  variant: GenerateVariant;
  model: string;
  controls: Record<string, unknown>;
  /** The unified and provider params sent, after the catalog's rules. */
  params: Record<string, unknown>;
  extras: Record<string, unknown>;
  settings: Settings;
  url: URL;
  method: 'POST';
  headers: Record<string, string>;
  callerHeaders: Record<string, string>;
  body: string | Uint8Array;
  secrets: string[];
  context: UpstreamErrorContext;
  timeoutMs: number;
  numRetries: number;
  warnings: Warning[];
  /** The provider streams this call natively. */
  streams: boolean;
  /** stream: true was asked of an operation the provider cannot stream (stream and partial_images were set aside). */
  cannotStream: boolean;
  apiBase: string;
}

const DEFAULT_TIMEOUT_SECONDS = 600;
const STREAM_ONLY_PARAMS = ['stream', 'partial_images'];
const DEFAULT_NUM_RETRIES = 2;
const RESERVED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'content-type']);

function extraHeaders(controls: Record<string, unknown>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries((controls['extra_headers'] as Record<string, string> | undefined) ?? {})) {
    const lower = name.toLowerCase();
    if (RESERVED_HEADERS.has(lower)) {
      throw new BadRequestError(`extra_headers may not set ${name}; imagegate manages it.`, { param: 'extra_headers', code: 'invalid_request' });
    }
    headers[lower] = value;
  }
  return headers;
}

function filesByParam(files: EditFiles | undefined): Record<string, readonly ImageFile[]> {
  if (files === undefined) return {};
  const strip = ({ bytes, mediaType, filename }: ImageFile): ImageFile => ({ bytes, mediaType, filename });
  return files.mask === undefined ? { image: files.image.map(strip) } : { image: files.image.map(strip), mask: [strip(files.mask)] };
}

export interface PrepareInput {
  operationName: OperationName;
  request: Record<string, unknown>;
  files?: EditFiles;
}

export async function prepareCall(input: PrepareInput, options: CallOptions): Promise<PreparedCall> {
  const env = options.env ?? process.env;
  const registry = options.registry ?? generatedRegistry;
  const { params, controls, extras } = splitParams(input.request, input.operationName);
  const resolved = resolveModel(registry, controls['model'] as string | undefined, controls['custom_llm_provider'] as string | undefined);
  const provider = await registry.load(resolved.providerId);
  const settings = await resolveSettings(provider, controls, env);
  const files = filesByParam(input.files);
  const streamless = input.operationName === 'edit' ? provider.edit : provider.generate;
  const cannotStream = params['stream'] === true && streamless !== undefined && streamless.stream === undefined;
  if (cannotStream) for (const name of STREAM_ONLY_PARAMS) delete params[name];
  const rules = applyRules({
    provider,
    model: resolved.model,
    apiVersion: settings['api_version'],
    baseModel: controls['base_model'] as string | undefined,
    params,
    extras,
    dropParams: controls['drop_params'] === true,
    operation: input.operationName,
    files,
  });
  const { variant } = rules;
  if (variant.extra === 'reject' && Object.keys(rules.extras).length > 0) {
    throw new BadRequestError(`${provider.displayName} accepts no provider-specific params (got ${Object.keys(rules.extras).join(', ')}).`, {
      param: Object.keys(rules.extras)[0] ?? null,
      provider: provider.id,
      model: resolved.model,
      code: 'unsupported_param',
    });
  }
  if (input.files !== undefined) {
    checkEditFiles(input.files, rules.inputs!, resolved.model);
    if (rules.promptRequired && typeof rules.params['prompt'] !== 'string') {
      throw new BadRequestError(`Missing required param "prompt": ${provider.displayName} ${resolved.model} edits need one.`, { param: 'prompt', code: 'invalid_request' });
    }
  }
  const operation = input.operationName === 'edit' ? provider.edit! : provider.generate;
  const wire = variant.buildRequest({ model: resolved.model, params: rules.params, extras: rules.extras, settings, files });
  const base = settings[operation.baseSetting]!;
  const siblings = [provider.generate, provider.edit].flatMap((op) => (op === undefined ? [] : [op.pathTemplate]));
  const url = buildUrl(operation, base, wire, variant.pathTemplate, siblings);
  const callerHeaders = extraHeaders(controls);
  const encoded = await encodeBody(wire);
  const streams = operation.stream !== undefined && rules.params[operation.stream.param] === true;
  const headers = {
    'content-type': encoded.contentType,
    accept: streams ? 'text/event-stream' : 'application/json',
    'user-agent': userAgent,
    ...callerHeaders,
  };
  const secrets = secretValues(provider, settings);
  return {
    operationName: input.operationName,
    provider,
    operation,
    variant,
    model: resolved.model,
    controls,
    params: rules.params,
    extras: rules.extras,
    settings,
    url,
    method: wire.method,
    headers,
    callerHeaders,
    body: encoded.body,
    secrets,
    context: { provider, model: resolved.model, secrets },
    timeoutMs: ((controls['timeout'] as number | undefined) ?? DEFAULT_TIMEOUT_SECONDS) * 1000,
    numRetries: (controls['num_retries'] as number | undefined) ?? DEFAULT_NUM_RETRIES,
    warnings: rules.warnings,
    streams,
    cannotStream,
    apiBase: publicBase(base),
  };
}
