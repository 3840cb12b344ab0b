// Enforces the catalog before any network call: an unsupported param or value is an
// UnsupportedParamsError, or, with drop_params, removed and reported as a warning.
import { BadRequestError, UnsupportedParamsError } from '../errors/classes.js';
import type { EditInputRules, GenerateVariant, ProviderDefinition, ProviderOperation, RuleSet, WhenRule } from '../provider/types.js';
import type { Warning } from '../response/warnings.js';
import { checkValue } from './check-value.js';

export interface RulesInput {
  provider: ProviderDefinition;
  model: string;
  apiVersion: string | undefined;
  baseModel: string | undefined;
  params: Record<string, unknown>;
  /** Provider-specific params; those the catalog governs are checked too. */
  extras?: Record<string, unknown>;
  dropParams: boolean;
  /** Which operation's rules apply (default generate). */
  operation?: 'generate' | 'edit';
  /** Edit: the input files given, by param (they take part in choosing the body format). */
  files?: Readonly<Record<string, readonly unknown[]>>;
}

export interface RulesOutcome {
  params: Record<string, unknown>;
  extras: Record<string, unknown>;
  variant: GenerateVariant;
  warnings: Warning[];
  /** Edit: the input limits of the model (or the provider's defaults for an uncatalogued one). */
  inputs?: EditInputRules;
  /** Edit: whether the model needs a prompt. */
  promptRequired: boolean;
}

interface NamedRules {
  label: string;
  rules: RuleSet;
}

function own<T>(record: Readonly<Record<string, T>>, key: string | undefined): T | undefined {
  return key !== undefined && Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

/** The catalog id of a model: the configured prefixes (ARN, cross-region profile) stripped. */
export function catalogKey(provider: ProviderDefinition, model: string): string {
  return provider.catalog.lookupStrip.reduce((key, pattern) => key.replace(new RegExp(pattern), ''), model);
}

function operationOf(input: RulesInput): ProviderOperation {
  if (input.operation !== 'edit') return input.provider.generate;
  const edit = input.provider.edit;
  if (edit === undefined) {
    throw new BadRequestError(`${input.provider.displayName} has no image edit operation; edit with a provider that has one (see the README's edit table).`, {
      param: 'model',
      provider: input.provider.id,
      model: input.model,
      code: 'edit_unsupported',
    });
  }
  return edit;
}

function matches(when: WhenRule | undefined, values: Record<string, unknown>): boolean {
  return Object.entries(when ?? {}).every(([name, condition]) => {
    const value = values[name];
    if (condition === 'present') return value !== undefined;
    if (condition === 'absent') return value === undefined;
    return condition.includes(value as string | number | boolean);
  });
}

function chooseEditVariant(input: RulesInput, operation: ProviderOperation, family: string | undefined): GenerateVariant {
  const values = { ...input.extras, ...input.params, ...input.files };
  const candidates = Object.values(operation.variants).filter((variant) => variant.family === undefined || variant.family === family);
  const chosen = candidates.find((variant) => matches(variant.when, values));
  if (chosen !== undefined) return chosen;
  const ways = candidates.map((variant) => Object.entries(variant.when ?? {}).map(([name, condition]) => (typeof condition === 'string' ? `${name} ${condition}` : `${name} one of ${condition.join(', ')}`)).join(' and '));
  throw new BadRequestError(`${input.provider.displayName} cannot edit with model "${input.model}" given these params; it edits with: ${ways.join('; ') || '(no format)'}.`, {
    param: 'model',
    provider: input.provider.id,
    model: input.model,
    code: 'edit_unsupported',
  });
}

function chooseVariant(input: RulesInput, modelRules: RuleSet | undefined): GenerateVariant {
  if (input.operation === 'edit') return chooseEditVariant(input, operationOf(input), modelRules?.variant);
  const { variants } = input.provider.generate;
  const names = Object.keys(variants);
  const name = modelRules?.variant ?? (names.length === 1 ? names[0] : undefined);
  const variant = name === undefined ? undefined : variants[name];
  if (variant === undefined) {
    throw new BadRequestError(`${input.provider.displayName} cannot tell which request format model "${input.model}" takes; pass base_model with the catalogued model it runs.`, {
      param: 'model',
      provider: input.provider.id,
      model: input.model,
      code: 'model_not_found',
    });
  }
  return variant;
}

function applicableRules(input: RulesInput, warnings: Warning[]): { sets: NamedRules[]; modelRules: RuleSet | undefined } {
  const { catalog, displayName } = input.provider;
  const baseModel = input.baseModel === undefined ? undefined : catalogKey(input.provider, input.baseModel);
  if (baseModel !== undefined && own(catalog.models, baseModel) === undefined) {
    throw new BadRequestError(
      `base_model "${input.baseModel}" is not in the ${displayName} catalog; use one of: ${Object.keys(catalog.models).join(', ') || '(none)'}.`,
      { param: 'base_model', provider: input.provider.id, model: input.model, code: 'invalid_base_model' },
    );
  }
  const sets: NamedRules[] = [];
  const modelName = baseModel ?? catalogKey(input.provider, input.model);
  const modelRules = own(catalog.models, modelName);
  if (modelRules !== undefined) sets.push({ label: `model ${modelName}`, rules: modelRules });
  const versionRules = own(catalog.apiVersions, input.apiVersion);
  if (versionRules !== undefined) sets.push({ label: `api_version ${input.apiVersion}`, rules: versionRules });
  const unvalidated = (subject: string, hint: string) =>
    warnings.push({ code: 'unvalidated-model', message: `${subject} is not in the ${displayName} catalog, so ${hint}.` });
  const hasModels = Object.keys(catalog.models).length > 0;
  const hasVersions = Object.keys(catalog.apiVersions).length > 0;
  if (hasModels && modelRules === undefined) {
    if (catalog.unknownModels === 'reject') {
      throw new BadRequestError(
        `Model "${input.model}" is not in the ${displayName} catalog (${Object.keys(catalog.models).join(', ')}). ` +
          'If it runs one of these (e.g. a provisioned or custom deployment), pass base_model with that model id.',
        {
        param: 'model',
        provider: input.provider.id,
        model: input.model,
          code: 'model_not_found',
        },
      );
    }
    unvalidated(`model ${input.model}`, `no model rules apply (set base_model to the model behind it to apply that model's rules)`);
  }
  if (hasVersions && versionRules === undefined) {
    unvalidated(`api_version ${input.apiVersion ?? '(none)'}`, 'no api-version rules apply');
  }
  if (!hasModels && !hasVersions) unvalidated(`model ${input.model}`, 'its params are sent without validation');
  return { sets, modelRules };
}

function problemWith(
  param: string,
  value: unknown,
  context: { input: RulesInput; sets: NamedRules[]; variant: GenerateVariant; isExtra: boolean },
  params: Record<string, unknown>,
): string | undefined {
  const { input, sets, variant, isExtra } = context;
  const { provider } = input;
  if (!isExtra && !variant.mappedParams.includes(param)) {
    const scope = Object.keys(operationOf(input).variants).length > 1 ? `model ${input.model}` : `for any model; model ${input.model}`;
    return `${provider.displayName} does not support ${param} (${scope})`;
  }
  if (!provider.catalog.governedParams.includes(param)) return undefined;
  for (const { label, rules } of sets) {
    const rule = rules.params[param];
    if (rule === undefined) return `${provider.displayName} ${label} does not support ${param}`;
    const problem = checkValue(value, rule, params);
    if (problem !== undefined) return `${provider.displayName} ${label}: ${param}=${JSON.stringify(value)} ${problem}`;
  }
  return undefined;
}

function checkPromptLength(input: RulesInput, sets: NamedRules[]): void {
  const prompt = input.params['prompt'];
  for (const { label, rules } of sets) {
    if (typeof prompt === 'string' && rules.prompt_max_length !== undefined && prompt.length > rules.prompt_max_length) {
      throw new BadRequestError(
        `prompt has ${prompt.length} characters; ${input.provider.displayName} ${label} accepts at most ${rules.prompt_max_length}. Shorten the prompt.`,
        { param: 'prompt', provider: input.provider.id, model: input.model, code: 'prompt_too_long' },
      );
    }
  }
}

/** An edit is ruled by each rule set's edit rules; a catalogued model (or api-version) without them does not edit. */
function editRuleSets(input: RulesInput, sets: NamedRules[]): { sets: NamedRules[]; inputs: EditInputRules; promptRequired: boolean } {
  const { catalog, displayName } = input.provider;
  const editing = Object.entries(catalog.models).filter(([, rules]) => rules.edit !== undefined).map(([name]) => name);
  const editSets: NamedRules[] = [];
  let inputs: EditInputRules | undefined;
  let promptRequired = sets.length === 0 ? catalog.editDefaults?.prompt === 'required' : true;
  for (const { label, rules } of sets) {
    if (rules.edit === undefined) {
      throw new BadRequestError(`${displayName} ${label} does not edit images. Models that do: ${editing.join(', ') || '(none)'}.`, {
        param: 'model',
        provider: input.provider.id,
        model: input.model,
        code: 'edit_unsupported',
      });
    }
    editSets.push({ label, rules: { params: rules.edit.params, prompt_max_length: rules.edit.prompt_max_length, variant: rules.variant } });
    inputs ??= rules.edit.inputs;
    promptRequired = rules.edit.prompt === 'required';
  }
  inputs ??= catalog.editDefaults?.inputs;
  if (inputs === undefined) {
    throw new BadRequestError(`${displayName} does not know the input limits of model "${input.model}" for edits. Use one of: ${editing.join(', ')}, or pass base_model.`, {
      param: 'model',
      provider: input.provider.id,
      model: input.model,
      code: 'edit_unsupported',
    });
  }
  return { sets: editSets, inputs, promptRequired };
}

export function applyRules(input: RulesInput): RulesOutcome {
  const warnings: Warning[] = [];
  const applicable = applicableRules(input, warnings);
  const { modelRules } = applicable;
  let sets = applicable.sets;
  let inputs: EditInputRules | undefined;
  let promptRequired = true;
  if (input.operation === 'edit') ({ sets, inputs, promptRequired } = editRuleSets(input, sets));
  const variant = chooseVariant(input, modelRules);
  checkPromptLength(input, sets);
  const params = { ...input.params };
  const extras = { ...(input.extras ?? {}) };
  const governedExtras = Object.keys(extras).filter((name) => input.provider.catalog.governedParams.includes(name));
  const checks = [...Object.keys(params).map((name) => ({ name, isExtra: false })), ...governedExtras.map((name) => ({ name, isExtra: true }))];
  for (const { name: param, isExtra } of checks.sort((a, b) => a.name.localeCompare(b.name))) {
    if (param === 'prompt') continue;
    const values = isExtra ? extras : params;
    const problem = problemWith(param, values[param], { input, sets, variant, isExtra }, { ...params, ...extras });
    if (problem === undefined) continue;
    if (!input.dropParams) {
      throw new UnsupportedParamsError(
        `${problem}. Remove ${param} from the request, or pass drop_params: true to drop unsupported params (they are reported in _hidden_params.warnings).`,
        { param, provider: input.provider.id, model: input.model, code: 'unsupported_param' },
      );
    }
    delete values[param];
    warnings.push({ code: 'param-dropped', param, message: `Dropped ${param}: ${problem}.` });
  }
  return { params, extras, variant, warnings, inputs, promptRequired };
}
