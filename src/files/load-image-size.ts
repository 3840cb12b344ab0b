// image-size, imported on first use and shared after: only calls that read input images (edits) load it.
type ImageSizeModule = typeof import('image-size');

let loading: Promise<ImageSizeModule> | undefined;

export function loadImageSize(): Promise<ImageSizeModule> {
  loading ??= import('image-size').catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}
