// imagegate generate: one SDK call, images written to files.
import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { BadRequestError } from '../errors/classes.js';
import { imageGeneration } from '../image-generation.js';

function parseParam(pair: string): [string, unknown] {
  const eq = pair.indexOf('=');
  if (eq <= 0) throw new BadRequestError(`--param expects key=value, got "${pair}".`, { param: 'param' });
  const key = pair.slice(0, eq);
  const raw = pair.slice(eq + 1);
  if (raw === 'true' || raw === 'false') return [key, raw === 'true'];
  if (/^-?\d+(\.\d+)?$/.test(raw)) return [key, Number(raw)];
  return [key, raw];
}

export function outputPaths(output: string, count: number): string[] {
  if (count === 1) return [output];
  const extension = extname(output);
  const stem = output.slice(0, output.length - extension.length);
  return Array.from({ length: count }, (_, i) => `${stem}-${i + 1}${extension}`);
}

export async function runGenerate(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: 'string', short: 'm' },
      n: { type: 'string', short: 'n' },
      size: { type: 'string' },
      quality: { type: 'string' },
      param: { type: 'string', multiple: true },
      output: { type: 'string', short: 'o', default: 'out.png' },
    },
  });
  const prompt = positionals.join(' ').trim();
  if (prompt.length === 0) throw new BadRequestError('generate needs a prompt: imagegate generate "a red fox".', { param: 'prompt' });
  const params: Record<string, unknown> = Object.fromEntries((values.param ?? []).map(parseParam));
  if (values.n !== undefined) params['n'] = Number(values.n);
  const response = await imageGeneration({
    ...params,
    prompt,
    model: values.model,
    size: values.size,
    quality: values.quality,
    response_format: params['response_format'] as 'url' | 'b64_json' | undefined,
  });
  const paths = outputPaths(values.output!, response.data.length);
  for (const [index, image] of response.data.entries()) {
    const path = paths[index]!;
    if (image.b64_json !== undefined) {
      await writeFile(path, Buffer.from(image.b64_json, 'base64'));
      process.stdout.write(`wrote ${path}\n`);
    } else if (image.url !== undefined) {
      process.stdout.write(`image ${index + 1}: ${image.url}\n`);
    }
  }
  for (const warning of response._hidden_params.warnings) process.stderr.write(`warning: ${warning.message}\n`);
  return 0;
}
