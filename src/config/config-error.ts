// A config.yaml the proxy cannot serve: what is wrong, where, and how to fix it.

export class ConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/** Keys and list indexes from the config's root to a value. */
export type KeyPath = readonly (string | number)[];

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SECRET_KEY = /key|secret|token|password|credential/i;
const MAX_LISTED = 10;

/** `model_list[2].litellm_params.api_key`; keys that are not identifiers (group names) are quoted. */
export function formatKeyPath(path: KeyPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text === '' ? 'the top level' : text;
}

/** Whether a value on this path may be a credential, so must never be echoed. */
export function isSecretPath(path: KeyPath): boolean {
  return path.some((segment) => typeof segment === 'string' && SECRET_KEY.test(segment));
}

export function problemsError(source: string, problems: readonly string[], cause?: unknown): ConfigError {
  const options = cause === undefined ? undefined : { cause };
  if (problems.length === 1) return new ConfigError(`${source}: ${problems[0]}`, options);
  const listed = problems.slice(0, MAX_LISTED).map((problem) => `  - ${problem}`);
  if (problems.length > MAX_LISTED) listed.push(`  - ... and ${problems.length - MAX_LISTED} more`);
  return new ConfigError(`${source} has ${problems.length} problems:\n${listed.join('\n')}`, options);
}
