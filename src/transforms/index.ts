// Named value transforms the mapping DSL may call (mapping.yaml `transform:`). Each returns its outputs by name.
// `choices` are the wire values the contract allows for the target (codegen passes the target's enum).
import { sizeToAspectRatio, sizeToDimensions } from './size.js';

export type TransformName = 'size-to-dimensions' | 'size-to-aspect-ratio';

type Transform = (value: unknown, param: string, choices: readonly string[]) => Record<string, unknown>;

const transforms: Record<TransformName, Transform> = {
  'size-to-dimensions': (value, param) => sizeToDimensions(value, param),
  'size-to-aspect-ratio': (value, param, choices) => ({ value: sizeToAspectRatio(value, param, choices) }),
};

export function applyTransform(name: TransformName, value: unknown, param: string, choices: readonly string[] = []): Record<string, unknown> {
  return transforms[name](value, param, choices);
}
