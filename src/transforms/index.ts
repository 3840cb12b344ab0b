// Named value transforms the mapping DSL may call (mapping.yaml `transform:`). Each returns its outputs by name.
import { sizeToAspectRatio, sizeToDimensions } from './size.js';

export type TransformName = 'size-to-dimensions' | 'size-to-aspect-ratio';

const transforms: Record<TransformName, (value: unknown, param: string) => Record<string, unknown>> = {
  'size-to-dimensions': (value, param) => sizeToDimensions(value, param),
  'size-to-aspect-ratio': (value, param) => ({ value: sizeToAspectRatio(value, param) }),
};

export function applyTransform(name: TransformName, value: unknown, param: string): Record<string, unknown> {
  return transforms[name](value, param);
}
