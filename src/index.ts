export { imageGeneration, type CallOptions, type ImageGenerationParams } from './image-generation.js';
export type { ImageResponse, HiddenParams } from './response/image-response.js';
export type { Warning } from './response/warnings.js';
export type { ImagesResponse, ImageGenerationRequest } from '../generated/canonical/types.js';
export * from './errors/classes.js';
