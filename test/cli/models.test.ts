// imagegate models: the generated catalog as users read it, from the built CLI.
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/proxy-process.js';

describe('imagegate models', () => {
  it('lists every catalogued model with its provider, n range, sizes and price', async () => {
    const { code, stdout } = await runCli(['models']);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^model\s+provider\s+n\s+sizes\s+price\s+params$/);
    const dalle3 = lines.find((line) => line.startsWith('dall-e-3 '));
    expect(dalle3).toMatch(/openai\s+1–1\s+1024x1024 1792x1024 1024x1792\s+\$0\.04–\$0\.12 \/ image by quality, size/);
    expect(lines.find((line) => line.startsWith('bedrock/amazon.nova-canvas-v1:0 '))).toContain('$0.04–$0.08 / image by quality, size');
    expect(lines.find((line) => line.startsWith('gpt-image-1 '))).toContain('$5 text in, $10 image in, $40 image out / 1M tokens');
    expect(lines.find((line) => line.startsWith('gemini/imagen-3.0-fast-generate-001 '))).toContain('unknown');
  });

  it('prints JSON with the pricing tables for one provider', async () => {
    const { code, stdout } = await runCli(['models', '--provider', 'mock', '--json']);
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as { model: string; provider: string; price: string; pricing: { per_image: number } }[];
    expect(rows.map((row) => row.model)).toEqual(['mock/image-1', 'mock/square-1']);
    expect(rows[0]).toMatchObject({ provider: 'mock', price: '$0 / image', pricing: { per_image: 0 } });
  });

  it('names the providers when asked for an unknown one', async () => {
    const { code, stderr } = await runCli(['models', '--provider', 'nope']);
    expect(code).toBe(1);
    expect(stderr).toContain('Unknown provider "nope"');
    expect(stderr).toContain('bedrock');
  });
});
