// Discovers the contract cases that live beside each provider spec.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { testImages } from './test-images.js';

export interface ContractCase {
  file: string;
  description: string;
  operation?: 'generate' | 'edit';
  input: Record<string, unknown>;
  env?: Record<string, string>;
  prism?: boolean;
  contract?: string;
  expect_request?: {
    method: 'POST';
    path: string;
    query?: Record<string, string>;
    headers?: Record<string, string | null>;
    body?: Record<string, unknown>;
    multipart?: { fields: Record<string, string>; files: { name: string; media_type: string; base64: string }[] };
  };
  upstream?: { status: number; headers?: Record<string, string>; body: unknown };
  expect_response?: Record<string, unknown>;
  expect_warnings?: string[];
  expect_response_cost?: number;
  expect_error?: {
    class: string;
    status?: number | null;
    code?: string | null;
    param?: string | null;
    message_includes?: string[];
    message_excludes?: string[];
    no_request?: boolean;
  };
}

export interface ProviderCases {
  providerId: string;
  dir: string;
  contracts: string[];
  cases: ContractCase[];
}

export function loadProviderCases(specDir: string): ProviderCases[] {
  const providersDir = join(specDir, 'providers');
  return readdirSync(providersDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => {
      const dir = join(providersDir, entry.name);
      const provider = YAML.parse(readFileSync(join(dir, 'provider.yaml'), 'utf8')) as { contracts: { file: string }[] };
      const casesDir = join(dir, 'cases');
      const cases = existsSync(casesDir)
        ? readdirSync(casesDir)
            .filter((name) => name.endsWith('.yaml'))
            .sort()
            .map((name) => ({ file: name, ...(YAML.parse(readFileSync(join(casesDir, name), 'utf8')) as Omit<ContractCase, 'file'>) }))
        : [];
      return { providerId: entry.name, dir, contracts: provider.contracts.map((c) => c.file), cases };
    })
    .sort((a, b) => (a.providerId < b.providerId ? -1 : 1));
}

/** Text the harness puts in place of ${NAME} placeholders in a case's input, env or expected request. */
export const placeholders: Record<string, string> = { ...testImages };

/** Replaces ${UPSTREAM} (and registered placeholders such as ${GOOGLE_CREDENTIALS}) in every string of a case's input or env. */
export function withUpstream<T>(value: T, upstream: string): T {
  let text = JSON.stringify(value ?? {}).replaceAll('${UPSTREAM}', upstream);
  for (const [name, replacement] of Object.entries(placeholders)) text = text.replaceAll(`\${${name}}`, JSON.stringify(replacement).slice(1, -1));
  return JSON.parse(text) as T;
}
