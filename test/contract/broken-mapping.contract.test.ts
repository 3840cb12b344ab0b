// Proves the contract tests have teeth: a mapping that breaks the published contract, generated
// from a throwaway spec, is rejected by Prism, while the real mapping passes the same call.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import type { Registry } from '../../src/provider/types.js';
import { startPrism, type PrismServer } from '../helpers/prism.js';
import { copySpec, generateInto, type TempSpec } from '../helpers/temp-spec.js';
import type { ContractCase } from './harness/cases.js';
import { runAgainstPrism } from './harness/run-case.js';

const dallE3Case: ContractCase = {
  file: 'inline',
  description: 'dall-e-3 with quality and style',
  input: { model: 'dall-e-3', prompt: 'a lighthouse at dusk', quality: 'hd', style: 'vivid' },
};

describe('a broken mapping', () => {
  let spec: TempSpec;
  let prism: PrismServer;
  let brokenRegistry: Registry;

  beforeAll(async () => {
    spec = copySpec();
    const mappingFile = join(spec.paths.specDir, 'providers', 'openai', 'mapping.yaml');
    const mapping = YAML.parse(readFileSync(mappingFile, 'utf8'));
    const body = mapping.operations.generate.request.body;
    [body.quality.to, body.style.to] = [body.style.to, body.quality.to];
    writeFileSync(mappingFile, YAML.stringify(mapping));
    await generateInto(spec);
    brokenRegistry = ((await import(join(spec.paths.outDir, 'registry.ts'))) as { registry: Registry }).registry;
    prism = await startPrism(join(process.cwd(), 'spec', 'providers', 'openai', 'openapi.yaml'));
  });

  afterAll(async () => {
    await prism?.stop();
    spec?.remove();
  });

  it('is rejected by Prism started from the contract', async () => {
    await expect(runAgainstPrism(dallE3Case, prism.url, brokenRegistry)).rejects.toThrow(/Prism rejected the request.*HTTP 422/);
  });

  it('while the real mapping passes the same call', async () => {
    await expect(runAgainstPrism(dallE3Case, prism.url)).resolves.toBeUndefined();
  });
});
