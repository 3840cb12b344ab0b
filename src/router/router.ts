// The Router: model groups of deployments, balanced by a strategy, with rpm limits, retries, cooldowns and
// fallbacks. The proxy serves it; SDK users can call it directly.
import { registry as generatedRegistry } from '../../generated/registry.js';
import { configFromObject } from '../config/check-config.js';
import {
  APIUserAbortError,
  BadRequestError,
  ImagegateError,
  InternalServerError,
  NotFoundError,
  RateLimitError,
  type RoutingInfo,
} from '../errors/classes.js';
import { abortableSleep, isRetryable, retryDelayMs } from '../http/retry.js';
import type { CallResult } from '../call/run-call.js';
import { generationCall, type ImageGenerationParams } from '../image-generation.js';
import { editWithFiles, type ImageEditParams } from '../image-edit.js';
import { readEditFiles, type EditFiles } from '../files/edit-inputs.js';
import type { Registry } from '../provider/types.js';
import { createImageResponse, type ImageResponse } from '../response/image-response.js';
import { RawImageAnswer } from '../response/raw-answer.js';
import { ImageStream } from '../stream/image-stream.js';
import { Cooldowns } from './cooldowns.js';
import { toDeployment, type Deployment } from './deployment.js';
import { DeploymentStats } from './deployment-stats.js';
import { routerSettings, type RouterConfig, type RouterSettings } from './router-settings.js';
import { RpmWindow } from './rpm-window.js';
import { pickDeployment } from './strategies.js';

export interface RouterOptions {
  /** Environment the deployments read provider settings from (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Clock in milliseconds (default: Date.now). */
  now?: () => number;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  registry?: Registry;
}

export interface RouteCallOptions {
  /** Told how long each provider HTTP call took (ms). */
  onUpstreamDuration?: (ms: number) => void;
  /** Large answers as RawImageAnswer bytes to write out (see RunOptions.rawAnswers): for the proxy. */
  rawAnswers?: boolean;
  /** Told how long the router waited (backoff, Retry-After) before a retry. */
  onBackoff?: (ms: number) => void;
}

/** Errors the caller must fix: no other deployment or group would answer differently. */
function isRequestError(error: unknown): boolean {
  if (error instanceof APIUserAbortError) return true;
  return error instanceof ImagegateError && error.status !== undefined && [400, 413, 415, 422].includes(error.status);
}

function annotate(error: unknown, routing: RoutingInfo): unknown {
  if (error instanceof ImagegateError) {
    error.routing = { ...routing };
    return error;
  }
  const wrapped = new InternalServerError('imagegate failed unexpectedly while routing the request.', { cause: error, code: 'internal_error' });
  wrapped.routing = { ...routing };
  return wrapped;
}

export class Router {
  readonly settings: RouterSettings;
  /** Config keys the router ignored (LiteLLM settings imagegate does not use). */
  readonly warnings: readonly string[];
  private readonly groups = new Map<string, Deployment[]>();
  private readonly env: NodeJS.ProcessEnv;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly registry: Registry;
  private readonly stats = new DeploymentStats();
  private readonly rpm: RpmWindow;
  private readonly cooldowns: Cooldowns;

  constructor(config: RouterConfig, options: RouterOptions = {}) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? abortableSleep;
    this.registry = options.registry ?? generatedRegistry;
    // The same checks as a config file: schema, os.environ/NAME references, fallbacks naming real groups.
    const loaded = configFromObject(config as unknown as Record<string, unknown>, {
      env: options.env ?? process.env,
      source: 'Router config',
      registry: this.registry,
    });
    this.env = loaded.env;
    this.warnings = loaded.warnings;
    this.settings = routerSettings(loaded.config);
    for (const [index, entry] of loaded.config.model_list.entries()) {
      const deployment = toDeployment(entry, index, this.registry);
      this.groups.set(deployment.group, [...(this.groups.get(deployment.group) ?? []), deployment]);
    }
    this.rpm = new RpmWindow(this.now);
    this.cooldowns = new Cooldowns(
      {
        allowedFails: this.settings.allowedFails,
        cooldownMs: this.settings.cooldownMs,
      },
      this.now,
    );
  }

  modelGroups(): string[] {
    return [...this.groups.keys()];
  }

  deployments(group: string): readonly Deployment[] {
    return this.groups.get(group) ?? [];
  }

  imageGeneration(input: ImageGenerationParams & { stream: true }, options?: RouteCallOptions): Promise<ImageStream>;
  imageGeneration(input: ImageGenerationParams & { stream?: false | undefined }, options?: RouteCallOptions): Promise<ImageResponse>;
  imageGeneration(input: ImageGenerationParams, options?: RouteCallOptions): Promise<ImageResponse | ImageStream>;
  async imageGeneration(input: ImageGenerationParams, options: RouteCallOptions = {}): Promise<ImageResponse | ImageStream> {
    return this.generationCall(input, { ...options, rawAnswers: false }) as Promise<ImageResponse | ImageStream>;
  }

  /** An edit, routed like a generation; the input files are read once, before the first deployment is tried. */
  imageEdit(input: ImageEditParams & { stream: true }, options?: RouteCallOptions): Promise<ImageStream>;
  imageEdit(input: ImageEditParams & { stream?: false | undefined }, options?: RouteCallOptions): Promise<ImageResponse>;
  imageEdit(input: ImageEditParams, options?: RouteCallOptions): Promise<ImageResponse | ImageStream>;
  async imageEdit(input: ImageEditParams, options: RouteCallOptions = {}): Promise<ImageResponse | ImageStream> {
    return this.editCall(input, { ...options, rawAnswers: false }) as Promise<ImageResponse | ImageStream>;
  }

  /** imageGeneration for the runtime's own callers: with options.rawAnswers, a large answer is a RawImageAnswer. */
  generationCall(input: ImageGenerationParams, options: RouteCallOptions): Promise<CallResult> {
    return this.route(input as Record<string, unknown>, undefined, options);
  }

  /** imageEdit for the runtime's own callers: with options.rawAnswers, a large answer is a RawImageAnswer. */
  async editCall(input: ImageEditParams, options: RouteCallOptions): Promise<CallResult> {
    const { image, mask, ...rest } = input;
    const files = await readEditFiles({ image, mask });
    return this.route(rest as Record<string, unknown>, files, options);
  }

  private async route(input: Record<string, unknown>, files: EditFiles | undefined, options: RouteCallOptions): Promise<CallResult> {
    const { signal: rawSignal, ...request } = input;
    const signal = rawSignal as AbortSignal | undefined;
    const group = request.model;
    if (typeof group !== 'string' || group.length === 0) {
      throw new BadRequestError(`model is required: name one of the model groups (${this.modelGroups().join(', ')}).`, {
        param: 'model',
        code: 'invalid_request',
      });
    }
    if (!this.groups.has(group)) {
      throw new NotFoundError(`The model "${group}" does not exist on this router. Available model groups: ${this.modelGroups().join(', ')}.`, {
        param: 'model',
        code: 'model_not_found',
      });
    }
    const routing: RoutingInfo = {
      model_group: group,
      model_id: null,
      provider: null,
      attempted_retries: 0,
      attempted_fallbacks: 0,
    };
    const chain = [group, ...(this.settings.fallbacks.get(group) ?? [])];
    const failures: { last: unknown; lastUpstream: unknown } = {
      last: undefined,
      lastUpstream: undefined,
    };
    for (const [index, name] of chain.entries()) {
      if (index > 0) routing.attempted_fallbacks++;
      try {
        const response = await this.callGroup(name, request, files, signal, routing, failures, options);
        if (response instanceof ImageStream || response instanceof RawImageAnswer) {
          response._hidden_params.routing = { ...routing };
          return response;
        }
        return createImageResponse({ ...response }, { ...response._hidden_params, routing: { ...routing } });
      } catch (error) {
        if (isRequestError(error) || !(error instanceof ImagegateError)) throw annotate(error, routing);
        failures.last = error;
      }
    }
    // The client learns what the upstream said last, not that the router ran out of deployments afterwards.
    throw annotate(failures.lastUpstream ?? failures.last, routing);
  }

  private async callGroup(
    group: string,
    request: Record<string, unknown>,
    files: EditFiles | undefined,
    signal: AbortSignal | undefined,
    routing: RoutingInfo,
    failures: { lastUpstream: unknown },
    options: RouteCallOptions,
  ): Promise<CallResult> {
    const deployments = this.groups.get(group)!;
    const canCoolDown = deployments.length > 1 || this.settings.fallbacks.has(group);
    const numRetries = (request['num_retries'] as number | undefined) ?? this.settings.numRetries;
    // excluded: failed with a non-retryable error, not tried again in this call. failed: failed in this call at all.
    const excluded = new Set<string>();
    const failed = new Set<string>();
    for (let attempt = 0; ; attempt++) {
      const deployment = this.choose(group, deployments, excluded, failed);
      routing.model_id = deployment.id;
      routing.provider = deployment.providerId;
      try {
        return await this.callDeployment(deployment, request, files, signal, options);
      } catch (error) {
        if (isRequestError(error) || !(error instanceof ImagegateError)) throw error;
        failures.lastUpstream = error;
        if (canCoolDown) this.cooldowns.recordFailure(deployment.id);
        failed.add(deployment.id);
        if (!isRetryable(error)) excluded.add(deployment.id);
        const usable = deployments.filter((d) => !excluded.has(d.id) && this.isAvailable(d));
        // Nothing usable (excluded, cooling, at its rpm limit): the fallbacks take over now, without a useless backoff.
        if (attempt >= numRetries || usable.length === 0) throw error;
        routing.attempted_retries++;
        // A deployment not yet tried in this call takes the retry now; one that already failed waits out its backoff or Retry-After.
        if (usable.every((d) => failed.has(d.id))) {
          const delayMs = retryDelayMs(attempt, error.headers, this.random);
          options.onBackoff?.(delayMs);
          await this.sleep(delayMs, signal);
        }
      }
    }
  }

  private isAvailable(deployment: Deployment): boolean {
    return !this.cooldowns.isCooling(deployment.id) && this.rpm.hasRoom(deployment.id, deployment.rpm);
  }

  private choose(group: string, deployments: readonly Deployment[], excluded: ReadonlySet<string>, failed: ReadonlySet<string>): Deployment {
    const candidates = deployments.filter((d) => !excluded.has(d.id) && this.isAvailable(d));
    if (candidates.length > 0) {
      // A retry goes to a deployment that has not failed in this call, when the group has one.
      const untried = candidates.filter((d) => !failed.has(d.id));
      return pickDeployment(this.settings.strategy, untried.length > 0 ? untried : candidates, this.stats, this.random);
    }
    const waiting = deployments.filter((d) => !excluded.has(d.id));
    const cooling = waiting.filter((d) => this.cooldowns.isCooling(d.id));
    const waitMs = Math.min(
      ...waiting.map((d) => Math.max(this.cooldowns.msUntilReady(d.id), this.rpm.hasRoom(d.id, d.rpm) ? 0 : this.rpm.msUntilRoom(d.id))),
    );
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    const why =
      cooling.length === waiting.length
        ? 'cooling down after repeated failures'
        : cooling.length > 0
          ? 'cooling down or at their rpm limit'
          : 'at their rpm limit';
    throw new RateLimitError(`No deployment of model group "${group}" can take a request now: all are ${why}. Retry in ${seconds}s.`, {
      code: 'no_deployment_available',
      headers: { 'retry-after': String(seconds) },
    });
  }

  private async callDeployment(
    deployment: Deployment,
    request: Record<string, unknown>,
    files: EditFiles | undefined,
    signal: AbortSignal | undefined,
    options: RouteCallOptions,
  ): Promise<CallResult> {
    const { num_retries: _routerRetries, timeout: requestedTimeout, ...clientParams } = request;
    const timeoutSeconds = (requestedTimeout as number | undefined) ?? deployment.timeoutSeconds ?? this.settings.timeoutSeconds;
    const params = {
      ...(this.settings.dropParams === undefined ? {} : { drop_params: this.settings.dropParams }),
      ...deployment.params,
      ...clientParams,
      model: deployment.params['model'],
      timeout: timeoutSeconds,
      num_retries: deployment.maxRetries,
      signal,
    } as ImageGenerationParams;
    this.rpm.record(deployment.id, deployment.rpm);
    this.stats.started(deployment.id);
    const started = performance.now();
    let outcome: 'succeeded' | 'failed' | 'aborted' = 'failed';
    try {
      const callOptions = {
        env: this.env,
        now: this.now,
        registry: this.registry,
        onUpstreamDuration: options.onUpstreamDuration,
        pricing: deployment.pricing,
        rawAnswers: options.rawAnswers,
      };
      // A stream counts as answered once its first byte is in: retries and fallbacks end there.
      const response = files === undefined ? await generationCall(params, callOptions) : await editWithFiles(params as Record<string, unknown>, files, callOptions);
      outcome = 'succeeded';
      return response;
    } catch (error) {
      if (error instanceof APIUserAbortError) outcome = 'aborted';
      throw error;
    } finally {
      // The caller's abort says nothing about the deployment: it frees the slot but leaves the latency alone.
      if (outcome === 'aborted') this.stats.abandoned(deployment.id);
      else this.stats.finished(deployment.id, performance.now() - started, outcome === 'succeeded', timeoutSeconds * 1000);
    }
  }
}
