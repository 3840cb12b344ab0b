export { imageGeneration, type CallOptions, type ImageGenerationParams } from './image-generation.js';
export type { ImageResponse, HiddenParams } from './response/image-response.js';
export type { Warning } from './response/warnings.js';
export type { ImagesResponse, ImageGenerationRequest } from '../generated/canonical/types.js';
export * from './errors/classes.js';
export { Router, type RouterOptions, type RouteCallOptions } from './router/router.js';
export type { RouterConfig } from './router/router-settings.js';
export { ConfigError } from './config/config-error.js';
export type { ProxyConfig } from '../generated/canonical/types.js';
