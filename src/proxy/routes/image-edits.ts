// POST /v1/images/edits, /images/edits and Azure's /openai/deployments/{model}/images/edits: multipart/form-data
// (image / image[] file parts, mask) or JSON (images as base64 or data: URLs), routed like generations; the
// ImagesResponse JSON out — or, with `stream: true`, an event stream of image_edit.* events.
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { BadRequestError } from '../../errors/classes.js';
import type { ImageEditParams } from '../../image-edit.js';
import { multipartLimits, readMultipartEdit } from '../multipart-edit.js';
import {
  answerImageRequest,
  checkImageRequest,
  registerImageRoutes,
  requestBody,
  type ImageRouteHandler,
  type ImageRouteOptions,
} from './image-call.js';

function missingImage(multipartBody: boolean): BadRequestError {
  return new BadRequestError(
    multipartBody
      ? 'Missing the image to edit: send it as a file part named "image" (or one "image[]" part per image), e.g. curl -F "image=@photo.png".'
      : 'Missing the image to edit: send "image" as a base64 string or a data:image/...;base64, URL, or an array of them.',
    { param: 'image', code: 'missing_image' },
  );
}

const isFileString = (value: unknown): boolean => typeof value === 'string' && value.length > 0;

/** In a JSON body, files are base64 or data: URL strings (the SDK decodes them and reads what they are). */
function checkJsonFiles(payload: Record<string, unknown>): void {
  const image = payload['image'];
  if (image === undefined || image === null || (Array.isArray(image) && image.length === 0)) throw missingImage(false);
  const images = Array.isArray(image) ? image : [image];
  if (!images.every(isFileString)) {
    throw new BadRequestError(
      'Invalid "image": each image must be a base64 string or a data:image/...;base64, URL (or send the edit as multipart/form-data).',
      {
        param: 'image',
        code: 'invalid_image',
      },
    );
  }
  if (payload['mask'] !== undefined && !isFileString(payload['mask'])) {
    throw new BadRequestError('Invalid "mask": it must be a base64 string or a data:image/...;base64, URL.', {
      param: 'mask',
      code: 'invalid_image',
    });
  }
}

export function registerImageEditRoutes(app: FastifyInstance, options: ImageRouteOptions): void {
  const limitBytes = Math.floor(options.maxRequestSizeMb * 1024 * 1024);
  const handle: ImageRouteHandler = async (request, reply, route, modelFromPath) => {
    const multipartBody = request.isMultipart();
    const payload = multipartBody ? await readMultipartEdit(request, limitBytes) : requestBody(request.body);
    if (modelFromPath !== undefined) payload['model'] = modelFromPath;
    if (multipartBody) {
      if (payload['image'] === undefined) throw missingImage(true);
    } else {
      checkJsonFiles(payload);
    }
    checkImageRequest(payload, options, 'edit');
    return answerImageRequest(
      request,
      reply,
      (signal, callOptions) => options.router.editCall({ ...payload, signal } as ImageEditParams, callOptions),
      route,
      options,
    );
  };
  // Multipart is parsed in this scope only: the generation routes keep answering 415 to it.
  void app.register(async (scope) => {
    await scope.register(multipart, { limits: multipartLimits(limitBytes), throwFileSizeLimit: true });
    registerImageRoutes(scope, 'edits', options, handle);
  });
}
