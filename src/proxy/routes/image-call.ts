// What the generation and edit routes share: the checks before routing, the router's call options, and the
// answer — the ImagesResponse JSON, or an event stream for `stream: true`.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BadRequestError, ImagegateError } from '../../errors/classes.js';
import { validateEditRequest, validateRequest } from '../../params/validate-request.js';
import type { CallResult } from '../../call/run-call.js';
import { RawImageAnswer } from '../../response/raw-answer.js';
import type { RouteCallOptions, Router } from '../../router/router.js';
import { ImageStream } from '../../stream/image-stream.js';
import { refuseClientCredentials } from '../client-credentials.js';
import { knownCost, setImagegateHeaders } from '../request-context.js';
import { rawReply } from './raw-reply.js';
import { streamReply } from './stream-reply.js';

export interface ImageRouteOptions {
  router: Router;
  allowClientSideCredentials: boolean;
  /** general_settings.max_request_size_mb: the body limit, also each multipart file's. */
  maxRequestSizeMb: number;
  /**
   * Told once per answer of these routes as it goes out (successes, errors, 401s alike; a stream once it has
   * ended), with the route pattern: where /metrics and /spend count image traffic.
   */
  onAnswer?: (request: FastifyRequest, reply: FastifyReply, route: string) => void;
}

export function requestBody(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new BadRequestError('The request body must be a JSON object such as {"model": "...", "prompt": "..."}.', { code: 'invalid_request' });
  }
  return { ...(body as Record<string, unknown>) };
}

/** A client may ask for fewer retries than the operator configured, not more: one request must not multiply upstream load. */
function refuseRetryAmplification(payload: Record<string, unknown>, configured: number): void {
  const asked = payload['num_retries'];
  if (typeof asked === 'number' && asked > configured) {
    throw new BadRequestError(`num_retries may be at most ${configured} on this proxy (router_settings.num_retries); got ${asked}.`, {
      param: 'num_retries',
      code: 'invalid_request',
    });
  }
}

/**
 * The checks every image request passes before the router sees it: no client credentials (unless allowed), the
 * unified request's schema, no retry amplification. An edit's files (image, mask) are left to the SDK, which reads
 * their bytes and checks them against the model's limits.
 */
export function checkImageRequest(payload: Record<string, unknown>, options: ImageRouteOptions, operation: 'generation' | 'edit'): void {
  if (!options.allowClientSideCredentials) refuseClientCredentials(payload);
  if (operation === 'edit') {
    const { image: _image, mask: _mask, ...params } = payload;
    validateEditRequest(params);
  } else {
    validateRequest(payload);
  }
  refuseRetryAmplification(payload, options.router.settings.numRetries);
}

/** Aborts the upstream call when the client goes away before the answer is written. */
function abortOnDisconnect(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new Error('client disconnected'));
  });
  return controller.signal;
}

function callOptions(request: FastifyRequest): RouteCallOptions {
  const context = request.imagegate;
  return {
    // Multi-megabyte answers are forwarded as bytes, never parsed and re-serialised.
    rawAnswers: true,
    onUpstreamDuration: (ms) => {
      context.upstreamMs += ms;
      context.upstreamCalls++;
    },
    onBackoff: (ms) => {
      context.backoffMs += ms;
    },
  };
}

export type RoutedCall = (signal: AbortSignal, options: RouteCallOptions) => Promise<CallResult>;

/**
 * Calls the router and answers: JSON for a response, an event stream for a stream. Errors before the answer
 * starts (the router's retries and fallbacks included) are thrown for the error handler's JSON envelope.
 */
export async function answerImageRequest(
  request: FastifyRequest,
  reply: FastifyReply,
  call: RoutedCall,
  route: string,
  options: ImageRouteOptions,
): Promise<unknown> {
  const context = request.imagegate;
  let result: CallResult;
  try {
    result = await call(abortOnDisconnect(reply), callOptions(request));
  } catch (error) {
    if (error instanceof ImagegateError) context.routing = error.routing;
    throw error;
  }
  context.routing = result._hidden_params.routing;
  if (result instanceof ImageStream) {
    // Its cost is known only at the end: no x-imagegate-response-cost header on a stream.
    setImagegateHeaders(request, reply);
    await streamReply(request, reply, result, {
      maxRequestSizeMb: options.maxRequestSizeMb,
      onEnd: () => options.onAnswer?.(request, reply, route),
    });
    return undefined;
  }
  if (result instanceof RawImageAnswer) {
    await rawReply(request, reply, result, {
      maxRequestSizeMb: options.maxRequestSizeMb,
      onEnd: () => options.onAnswer?.(request, reply, route),
    });
    return undefined;
  }
  context.responseCost = knownCost(result._hidden_params.response_cost);
  context.images = Array.isArray(result.data) ? result.data.length : 0;
  setImagegateHeaders(request, reply);
  return result;
}

export type ImageRouteHandler = (request: FastifyRequest, reply: FastifyReply, route: string, modelFromPath?: string) => Promise<unknown>;

/**
 * One image operation's three routes: /v1/images/<operation>, /images/<operation> and Azure's
 * /openai/deployments/{model}/images/<operation>, whose model comes from the path.
 */
export function registerImageRoutes(app: FastifyInstance, operation: string, options: ImageRouteOptions, handle: ImageRouteHandler): void {
  for (const route of [`/v1/images/${operation}`, `/images/${operation}`]) {
    app.post(route, answerHooks(route, options), (request, reply) => handle(request, reply, route));
  }
  const azureRoute = `/openai/deployments/:model/images/${operation}`;
  app.post<{ Params: { model: string } }>(azureRoute, answerHooks(azureRoute, options), (request, reply) =>
    handle(request, reply, azureRoute, request.params.model),
  );
}

/** Route options with the onSend hook that tells onAnswer about every answer sent the usual way (not a stream's). */
export function answerHooks(route: string, options: ImageRouteOptions): object {
  const onAnswer = options.onAnswer;
  return onAnswer === undefined
    ? {}
    : {
        onSend: (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: null, payload: unknown) => void) => {
          onAnswer(request, reply, route);
          done(null, payload);
        },
      };
}
