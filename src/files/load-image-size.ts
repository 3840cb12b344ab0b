// image-size: only calls that read input images (edits) load it.
import { loadOnce } from '../load-once.js';

export const loadImageSize = loadOnce(() => import('image-size'));
