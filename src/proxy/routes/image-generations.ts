// POST /v1/images/generations, /images/generations and Azure's /openai/deployments/{model}/images/generations.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BadRequestError, ImagegateError } from '../../errors/classes.js';
import type { ImageGenerationParams } from '../../image-generation.js';
import { validateRequest } from '../../params/validate-request.js';
import type { Router } from '../../router/router.js';
import { refuseClientCredentials } from '../client-credentials.js';
import { setImagegateHeaders } from '../request-context.js';

export interface ImageRouteOptions {
  router: Router;
  allowClientSideCredentials: boolean;
  /**
   * Told once per answer of these routes as it goes out (successes, errors, 401s alike), with the route pattern:
   * where /metrics and /spend count image traffic.
   */
  onAnswer?: (request: FastifyRequest, reply: FastifyReply, route: string) => void;
}

function requestBody(body: unknown): Record<string, unknown> {
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

/** Aborts the upstream call when the client goes away before the answer is written. */
function abortOnDisconnect(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new Error('client disconnected'));
  });
  return controller.signal;
}

export function registerImageGenerationRoutes(app: FastifyInstance, options: ImageRouteOptions): void {
  const handle = async (request: FastifyRequest, reply: FastifyReply, modelFromPath?: string): Promise<unknown> => {
    const payload = requestBody(request.body);
    if (modelFromPath !== undefined) payload['model'] = modelFromPath;
    if (!options.allowClientSideCredentials) refuseClientCredentials(payload);
    validateRequest(payload);
    refuseRetryAmplification(payload, options.router.settings.numRetries);
    const context = request.imagegate;
    try {
      const response = await options.router.imageGeneration(
        {
          ...payload,
          signal: abortOnDisconnect(reply),
        } as ImageGenerationParams,
        {
          onUpstreamDuration: (ms) => {
            context.upstreamMs += ms;
            context.upstreamCalls++;
          },
          onBackoff: (ms) => {
            context.backoffMs += ms;
          },
        },
      );
      context.routing = response._hidden_params.routing;
      const cost = response._hidden_params.response_cost;
      context.responseCost = typeof cost === 'number' && Number.isFinite(cost) ? cost : null;
      context.images = Array.isArray(response.data) ? response.data.length : 0;
      setImagegateHeaders(request, reply);
      return response;
    } catch (error) {
      if (error instanceof ImagegateError) context.routing = error.routing;
      throw error;
    }
  };
  // A route-level hook: no per-request lookup of which route answered.
  const onAnswer = options.onAnswer;
  const hooks = (route: string) =>
    onAnswer === undefined
      ? {}
      : {
          onSend: async (request: FastifyRequest, reply: FastifyReply) => {
            onAnswer(request, reply, route);
          },
        };
  app.post('/v1/images/generations', hooks('/v1/images/generations'), (request, reply) => handle(request, reply));
  app.post('/images/generations', hooks('/images/generations'), (request, reply) => handle(request, reply));
  const azureRoute = '/openai/deployments/:model/images/generations';
  app.post<{ Params: { model: string } }>(azureRoute, hooks(azureRoute), (request, reply) => handle(request, reply, request.params.model));
}
