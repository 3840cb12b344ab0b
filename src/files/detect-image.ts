// What an image is, read from its bytes (never from a name or a caller's claim).
import { loadImageSize } from './load-image-size.js';

const MEDIA_TYPES: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif' };

export interface DetectedImage {
  mediaType: string;
  width?: number;
  height?: number;
}

export async function detectImage(bytes: Uint8Array): Promise<DetectedImage | undefined> {
  const { imageSize } = await loadImageSize();
  try {
    const { type, width, height } = imageSize(bytes);
    const mediaType = type === undefined ? undefined : MEDIA_TYPES[type];
    return mediaType === undefined ? undefined : { mediaType, width, height };
  } catch {
    return undefined;
  }
}
