// POST /v1/images/generations, /images/generations and Azure's /openai/deployments/{model}/images/generations:
// JSON in, the ImagesResponse JSON out — or, with `stream: true`, an event stream of partial and completed images.
import type { FastifyInstance } from 'fastify';
import type { ImageGenerationParams } from '../../image-generation.js';
import {
  answerImageRequest,
  checkImageRequest,
  registerImageRoutes,
  requestBody,
  type ImageRouteHandler,
  type ImageRouteOptions,
} from './image-call.js';

export type { ImageRouteOptions } from './image-call.js';

export function registerImageGenerationRoutes(app: FastifyInstance, options: ImageRouteOptions): void {
  const handle: ImageRouteHandler = async (request, reply, route, modelFromPath) => {
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
  registerImageRoutes(app, 'generations', options, handle);
}
