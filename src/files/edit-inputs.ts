// An edit's image and mask: read from what the caller gave, then checked against the model's catalog limits
// (count, bytes, media types, square, mask size) before anything is uploaded.
import { BadRequestError } from '../errors/classes.js';
import type { EditInputRules, ImageFile } from '../provider/types.js';
import { formatBytes, MAX_INPUT_BYTES, toImageFile, type ImageInput } from './image-input.js';

type Read = ImageFile & { width?: number; height?: number };

export interface RawEditFiles {
  image: unknown;
  mask: unknown;
}

export interface EditFiles {
  image: Read[];
  mask?: Read;
}

/** Reads the inputs (bounded by MAX_INPUT_BYTES; the model's own limit is checked later, once the model is known). */
export async function readEditFiles(raw: RawEditFiles): Promise<EditFiles> {
  if (raw.image === undefined || raw.image === null || (Array.isArray(raw.image) && raw.image.length === 0)) {
    throw new BadRequestError('Missing required param "image": give the image to edit (a Buffer, Blob/File, file: URL, or base64 / data: URL), or an array of them.', {
      param: 'image',
      code: 'missing_image',
    });
  }
  const images = Array.isArray(raw.image) ? raw.image : [raw.image];
  if (images.length > 16) throw new BadRequestError(`image has ${images.length} files; at most 16 are accepted.`, { param: 'image', code: 'too_many_images' });
  const many = Array.isArray(raw.image);
  const image = await Promise.all(images.map((input, index) => toImageFile(input as ImageInput, many ? `image[${index}]` : 'image', MAX_INPUT_BYTES)));
  const mask = raw.mask === undefined || raw.mask === null ? undefined : await toImageFile(raw.mask as ImageInput, 'mask', MAX_INPUT_BYTES);
  return mask === undefined ? { image } : { image, mask };
}

function refuse(param: string, message: string, code: string): BadRequestError {
  return new BadRequestError(message, { param, code });
}

function checkFile(file: Read, where: string, rules: EditInputRules, mediaTypes: readonly string[], model: string): void {
  if (file.bytes.byteLength > rules.maxBytes) {
    throw refuse(where, `${where} is ${formatBytes(file.bytes.byteLength)}; ${model} takes files up to ${formatBytes(rules.maxBytes)}. Send a smaller image.`, 'image_too_large');
  }
  if (!mediaTypes.includes(file.mediaType)) {
    throw refuse(where, `${where} is ${file.mediaType}; ${model} takes ${mediaTypes.join(', ')}. Convert it first.`, 'invalid_image_format');
  }
}

export function checkEditFiles(files: EditFiles, rules: EditInputRules, model: string): void {
  const { image, mask } = files;
  if (image.length > rules.maxImages) {
    throw refuse('image', `${model} edits ${rules.maxImages === 1 ? 'one image' : `up to ${rules.maxImages} images`} per request; got ${image.length}.`, 'too_many_images');
  }
  const label = (index: number) => (image.length > 1 ? `image[${index}]` : 'image');
  image.forEach((file, index) => {
    checkFile(file, label(index), rules, rules.mediaTypes, model);
    if (rules.square && file.width !== undefined && file.width !== file.height) {
      throw refuse('image', `${label(index)} is ${file.width}x${file.height}; ${model} edits square images only. Crop or pad it to a square.`, 'invalid_image_size');
    }
  });
  if (mask === undefined) {
    if (rules.mask === 'required') throw refuse('mask', `${model} needs a mask for this edit: a PNG marking the area to change.`, 'missing_mask');
    return;
  }
  if (rules.mask === 'unsupported') throw refuse('mask', `${model} takes no mask for this edit; remove mask.`, 'unsupported_param');
  checkFile(mask, 'mask', rules, rules.maskMediaTypes, model);
  const first = image[0]!;
  if (first.width !== undefined && mask.width !== undefined && (first.width !== mask.width || first.height !== mask.height)) {
    throw refuse('mask', `mask is ${mask.width}x${mask.height} but ${label(0)} is ${first.width}x${first.height}; they must be the same size.`, 'invalid_mask_size');
  }
}
