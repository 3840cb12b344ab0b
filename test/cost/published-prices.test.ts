// Every priced model: the cost of a known call against the provider's published price, written here by hand from
// the price pages (not read from the spec), so a wrong table, default, alias or bucket in models.yaml fails.
import { describe, expect, it } from 'vitest';
import { registry } from '../../generated/registry.js';
import type { ImagesResponse } from '../../generated/canonical/types.js';
import { modelPricing } from '../../src/cost/model-pricing.js';
import { responseCost } from '../../src/cost/response-cost.js';

interface PriceCase {
  provider: string;
  model: string;
  params: Record<string, unknown>;
  images?: number;
  usage?: ImagesResponse['usage'];
  usd: number;
}

const images = (count: number): ImagesResponse['data'] => Array.from({ length: count }, () => ({ b64_json: 'aGVsbG8=' }));

const cases: PriceCase[] = [
  // OpenAI: dall-e-2 by size; dall-e-3 by quality and size (standard/1024 is the default).
  { provider: 'openai', model: 'dall-e-2', params: { size: '256x256' }, usd: 0.016 },
  { provider: 'openai', model: 'dall-e-2', params: { size: '512x512' }, images: 2, usd: 0.036 },
  { provider: 'openai', model: 'dall-e-2', params: {}, usd: 0.02 },
  { provider: 'openai', model: 'dall-e-3', params: {}, usd: 0.04 },
  { provider: 'openai', model: 'dall-e-3', params: { size: '1792x1024' }, usd: 0.08 },
  { provider: 'openai', model: 'dall-e-3', params: { quality: 'hd', size: '1024x1024' }, usd: 0.08 },
  { provider: 'openai', model: 'dall-e-3', params: { quality: 'hd', size: '1024x1792' }, usd: 0.12 },
  // gpt-image-1: $5 text in, $10 image in, $40 image out per 1M tokens (1024x1024 high = 4160 output tokens).
  {
    provider: 'openai',
    model: 'gpt-image-1',
    params: {},
    usage: { input_tokens: 50, output_tokens: 4160, total_tokens: 4210, input_tokens_details: { text_tokens: 50, image_tokens: 0 } },
    usd: (50 * 5 + 4160 * 40) / 1e6,
  },
  {
    provider: 'openai',
    model: 'gpt-image-1',
    params: {},
    usage: { input_tokens: 1000, output_tokens: 272, input_tokens_details: { text_tokens: 200, image_tokens: 800 } },
    usd: (200 * 5 + 800 * 10 + 272 * 40) / 1e6,
  },
  // gpt-image-1-mini: $2 text in, $2.50 image in, $8 image out per 1M.
  { provider: 'openai', model: 'gpt-image-1-mini', params: {}, usage: { input_tokens: 100, output_tokens: 1056, input_tokens_details: { text_tokens: 100, image_tokens: 0 } }, usd: (100 * 2 + 1056 * 8) / 1e6 },
  // Azure: Global deployments bill as OpenAI does.
  { provider: 'azure', model: 'dall-e-3', params: { quality: 'hd', size: '1792x1024' }, usd: 0.12 },
  { provider: 'azure', model: 'gpt-image-1', params: {}, usage: { input_tokens: 20, output_tokens: 1056, input_tokens_details: { text_tokens: 20, image_tokens: 0 } }, usd: (20 * 5 + 1056 * 40) / 1e6 },
  // Bedrock: Stability per image; SDXL 1.0 standard (<= 50 steps, default 30) $0.04, premium $0.08.
  { provider: 'bedrock', model: 'stability.stable-diffusion-xl-v1', params: { size: '1024x1024' }, usd: 0.04 },
  { provider: 'bedrock', model: 'stability.stable-diffusion-xl-v1:0', params: { size: '1024x1024', steps: 60 }, usd: 0.08 },
  { provider: 'bedrock', model: 'stability.sd3-large-v1:0', params: {}, usd: 0.08 },
  { provider: 'bedrock', model: 'stability.sd3-5-large-v1:0', params: {}, usd: 0.08 },
  { provider: 'bedrock', model: 'stability.stable-image-core-v1:0', params: {}, usd: 0.04 },
  { provider: 'bedrock', model: 'stability.stable-image-ultra-v1:0', params: {}, usd: 0.14 },
  // Titan Image: 512x512 standard $0.008 / premium $0.01; 1024x1024 standard $0.01 / premium $0.012.
  { provider: 'bedrock', model: 'amazon.titan-image-generator-v1', params: { size: '512x512' }, usd: 0.008 },
  { provider: 'bedrock', model: 'amazon.titan-image-generator-v2:0', params: { size: '1024x1024', quality: 'premium' }, images: 3, usd: 0.036 },
  { provider: 'bedrock', model: 'amazon.titan-image-generator-v2:0', params: { size: '1024x1024', quality: 'hd' }, usd: 0.012 },
  { provider: 'bedrock', model: 'amazon.titan-image-generator-v1:0', params: { size: '768x768' }, usd: 0.01 },
  // Nova Canvas: up to 1024x1024 standard $0.04 / premium $0.06; up to 2048x2048 standard $0.06 / premium $0.08.
  { provider: 'bedrock', model: 'amazon.nova-canvas-v1:0', params: { size: '1024x1024' }, usd: 0.04 },
  { provider: 'bedrock', model: 'amazon.nova-canvas-v1:0', params: { size: '1024x1024', quality: 'premium' }, usd: 0.06 },
  { provider: 'bedrock', model: 'amazon.nova-canvas-v1:0', params: { size: '2048x2048' }, usd: 0.06 },
  // 1280x720 is 921,600 pixels: inside the 1024x1024 (1,048,576 px) tier.
  { provider: 'bedrock', model: 'amazon.nova-canvas-v1:0', params: { size: '1280x720', quality: 'premium' }, images: 2, usd: 0.12 },
  { provider: 'bedrock', model: 'amazon.nova-canvas-v1:0', params: { size: '1536x1024', quality: 'premium' }, usd: 0.08 },
  // Vertex AI Imagen per image.
  { provider: 'vertex-ai', model: 'imagegeneration@006', params: {}, usd: 0.02 },
  { provider: 'vertex-ai', model: 'imagen-3.0-generate-002', params: {}, images: 4, usd: 0.16 },
  { provider: 'vertex-ai', model: 'imagen-3.0-fast-generate-001', params: {}, usd: 0.02 },
  { provider: 'vertex-ai', model: 'imagen-4.0-generate-001', params: {}, usd: 0.04 },
  { provider: 'vertex-ai', model: 'imagen-4.0-fast-generate-001', params: {}, usd: 0.02 },
  { provider: 'vertex-ai', model: 'imagen-4.0-ultra-generate-001', params: {}, usd: 0.06 },
  // Gemini image models per token: 2.5 Flash Image $0.30/1M input, $30/1M image output (1290 tokens = $0.039).
  { provider: 'vertex-ai', model: 'gemini-2.5-flash-image', params: {}, usage: { input_tokens: 10, output_tokens_details: { image_tokens: 1290 } }, usd: (10 * 0.3 + 1290 * 30) / 1e6 },
  // 3 Pro Image: $2/1M input, $120/1M image output, $12/1M text (thinking) output.
  { provider: 'vertex-ai', model: 'gemini-3-pro-image-preview', params: {}, usage: { input_tokens: 10, output_tokens_details: { image_tokens: 1120, text_tokens: 200 } }, usd: (10 * 2 + 1120 * 120 + 200 * 12) / 1e6 },
  { provider: 'gemini', model: 'imagen-4.0-generate-001', params: {}, images: 2, usd: 0.08 },
  // The Gemini API bills Imagen 3 at $0.03 (Vertex AI: $0.04).
  { provider: 'gemini', model: 'imagen-3.0-generate-002', params: {}, usd: 0.03 },
  { provider: 'gemini', model: 'gemini-2.5-flash-image', params: {}, usage: { input_tokens: 7, output_tokens_details: { image_tokens: 1290 } }, usd: (7 * 0.3 + 1290 * 30) / 1e6 },
  // The offline mock is free.
  { provider: 'mock', model: 'image-1', params: {}, images: 3, usd: 0 },
];

describe('published prices', () => {
  it.each(cases)('$provider $model $params costs $usd', async ({ provider: id, model, params, images: count, usage, usd }) => {
    const provider = await registry.load(id);
    const { pricing } = modelPricing(provider, model, undefined);
    const body: ImagesResponse = { created: 1700000000, data: images(count ?? 1), ...(usage === undefined ? {} : { usage }) };
    const cost = responseCost({ pricing, model, params, body });
    expect(cost.warning).toBeUndefined();
    expect(cost.cost).toBeCloseTo(usd, 10);
  });

  it('prices every catalogued model of the priced providers', async () => {
    const unpriced: string[] = [];
    for (const id of ['openai', 'azure', 'bedrock', 'vertex-ai', 'gemini', 'mock']) {
      const provider = await registry.load(id);
      for (const [model, rules] of Object.entries(provider.catalog.models)) if (rules.pricing === undefined) unpriced.push(`${id}/${model}`);
    }
    // No stored copy of a price page gives the Gemini API's Imagen 3 Fast price or Vertex's Imagen 3 editing
    // (capability) price: their cost is null with a warning, never a guess.
    expect(unpriced.sort()).toEqual(['gemini/imagen-3.0-fast-generate-001', 'vertex-ai/imagen-3.0-capability-001']);
  });
});
