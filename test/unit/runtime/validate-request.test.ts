import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../../src/errors/classes.js';
import { validateRequest } from '../../../src/params/validate-request.js';

function rejection(request: Record<string, unknown>): BadRequestError {
  try {
    validateRequest(request);
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestError);
    return error as BadRequestError;
  }
  throw new Error(`expected ${JSON.stringify(request)} to be rejected`);
}

describe('validateRequest', () => {
  it.each([
    ['missing prompt', {}, 'prompt'],
    ['empty prompt', { prompt: '' }, 'prompt'],
    ['non-string prompt', { prompt: 42 }, 'prompt'],
    ['n 0', { prompt: 'x', n: 0 }, 'n'],
    ['n 11', { prompt: 'x', n: 11 }, 'n'],
    ['n 1.5', { prompt: 'x', n: 1.5 }, 'n'],
    ['size with a star', { prompt: 'x', size: '1024*1024' }, 'size'],
    ['size with a leading zero', { prompt: 'x', size: '0x1024' }, 'size'],
    ['response_format png', { prompt: 'x', response_format: 'png' }, 'response_format'],
    ['api_base ftp', { prompt: 'x', api_base: 'ftp://files.example' }, 'api_base'],
    ['api_base without scheme', { prompt: 'x', api_base: 'api.openai.com/v1' }, 'api_base'],
    ['timeout 0', { prompt: 'x', timeout: 0 }, 'timeout'],
    ['num_retries 11', { prompt: 'x', num_retries: 11 }, 'num_retries'],
    ['drop_params as string', { prompt: 'x', drop_params: 'true' }, 'drop_params'],
  ])('%s -> BadRequestError param %s', (_label, request, param) => {
    const error = rejection(request);
    expect(error.param).toBe(param);
    expect(error.code).toBe('invalid_request');
    expect(error.status).toBe(400);
    expect(error.message).toContain(`"${param}"`);
  });

  it('names the allowed values of an enum', () => {
    expect(rejection({ prompt: 'x', response_format: 'png' }).message).toContain('url, b64_json');
  });

  it.each([
    ['CRLF', 'a\r\nx-injected: 1'],
    ['LF', 'a\nb'],
    ['NUL', 'a\u0000b'],
  ])('rejects an extra_headers value with %s', (_label, value) => {
    const error = rejection({ prompt: 'x', extra_headers: { 'x-trace': value } });
    expect(error.param).toMatch(/^extra_headers(\.x-trace)?$/);
    expect(error.message).toContain('extra_headers');
  });

  it.each(['bad header', 'x-a:b', 'x-ä', ''])('rejects the extra_headers name %j', (name) => {
    const error = rejection({ prompt: 'x', extra_headers: { [name]: 'v' } });
    expect(error.param).toBe('extra_headers');
    expect(error.message).toContain(`"${name}"`);
  });

  it('rejects a non-string extra_headers value', () => {
    expect(rejection({ prompt: 'x', extra_headers: { 'x-n': 1 } }).param).toMatch(/^extra_headers/);
  });

  it.each(['__proto__', 'constructor', 'prototype'])('rejects an own %s key and names it as the param', (key) => {
    const request = JSON.parse(`{"prompt":"x","${key}":{"polluted":true}}`) as Record<string, unknown>;
    expect(Object.prototype.hasOwnProperty.call(request, key)).toBe(true);
    const error = rejection(request);
    expect(error.param).toBe(key);
    expect(error.message).toContain(`"${key}"`);
    expect(error.message).not.toContain('undefined');
  });

  it('allows provider-specific extra keys and every valid unified param', () => {
    expect(() =>
      validateRequest({
        prompt: 'a fox',
        model: 'openai/dall-e-3',
        n: 10,
        size: '3840x2160',
        response_format: 'b64_json',
        api_base: 'http://127.0.0.1:8080/v1',
        timeout: 0.5,
        num_retries: 0,
        drop_params: true,
        extra_headers: { 'X-Trace-Id': 'abc', 'x-tenant': '' },
        seed: 42,
        negative_prompt: 'blurry',
        steps: { count: 30 },
      }),
    ).not.toThrow();
  });
});
