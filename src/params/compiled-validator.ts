// The shape of ajv's precompiled (standalone) validators and their errors, as the runtime reads them.
export interface AjvError {
  instancePath: string;
  propertyName?: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

export type CompiledValidator = ((data: unknown) => boolean) & { errors?: AjvError[] | null };
