// POST /v1/images/generations, /images/generations and Azure's /openai/deployments/{model}/images/generations:
// JSON in, the ImagesResponse JSON out — or, with `stream: true`, an event stream of partial and completed images.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ImageGenerationParams } from '../../image-generation.js';
import { answerHooks, answerImageRequest, checkImageRequest, requestBody, type ImageRouteOptions } from './image-call.js';

export type { ImageRouteOptions } from './image-call.js';

export function registerImageGenerationRoutes(app: FastifyInstance, options: ImageRouteOptions): void {
  const handle = async (request: FastifyRequest, reply: FastifyReply, route: string, modelFromPath?: string): Promise<unknown> => {
    const payload = requestBody(request.body);
    if (modelFromPath !== undefined) payload['model'] = modelFromPath;
    checkImageRequest(payload, options, 'generation');
    return answerImageRequest(
      request,
      reply,
      (signal, callOptions) => options.router.generationCall({ ...payload, signal } as ImageGenerationParams, callOptions),
      route,
      options,
    );
  };
  for (const route of ['/v1/images/generations', '/images/generations']) {
    app.post(route, answerHooks(route, options), (request, reply) => handle(request, reply, route));
  }
  const azureRoute = '/openai/deployments/:model/images/generations';
  app.post<{ Params: { model: string } }>(azureRoute, answerHooks(azureRoute, options), (request, reply) =>
    handle(request, reply, azureRoute, request.params.model),
  );
}
