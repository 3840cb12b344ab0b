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
          },
          onBackoff: (ms) => {
            context.backoffMs += ms;
          },
        },
      );
      context.routing = response._hidden_params.routing;
      setImagegateHeaders(request, reply);
      return response;
    } catch (error) {
      if (error instanceof ImagegateError) context.routing = error.routing;
      throw error;
    }
  };
  app.post('/v1/images/generations', (request, reply) => handle(request, reply));
  app.post('/images/generations', (request, reply) => handle(request, reply));
  app.post<{ Params: { model: string } }>('/openai/deployments/:model/images/generations', (request, reply) =>
    handle(request, reply, request.params.model),
  );
}
