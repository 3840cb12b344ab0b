import { describe, expect, it } from 'vitest';
import { redactSecrets } from '../../../src/errors/redact.js';

describe('redactSecrets', () => {
  it('replaces every occurrence of the given secrets', () => {
    const text = 'key=my-private-value; again my-private-value and other-secret-123';
    expect(redactSecrets(text, ['my-private-value', 'other-secret-123'])).toBe(
      'key=[REDACTED]; again [REDACTED] and [REDACTED]',
    );
  });

  it('replaces the longest secret first when one contains another', () => {
    expect(redactSecrets('token abcdef-ghijkl here, abcdef there', ['abcdef', 'abcdef-ghijkl'])).toBe(
      'token [REDACTED] here, [REDACTED] there',
    );
  });

  it('treats secrets literally, not as patterns', () => {
    expect(redactSecrets('a+b.c*d(e) and aXbYcZd', ['a+b.c*d(e)'])).toBe('[REDACTED] and aXbYcZd');
  });

  it('ignores undefined and secrets shorter than 6 characters', () => {
    expect(redactSecrets('hello world, short abcde', [undefined, 'abcde', '', 'hello'])).toBe('hello world, short abcde');
  });

  it('redacts sk- style keys without being given them', () => {
    expect(redactSecrets('Incorrect API key provided: sk-proj-AbCdEf0123456789_xyz.', [])).toBe(
      'Incorrect API key provided: [REDACTED].',
    );
  });

  it('leaves short sk- prefixes and words ending in sk alone', () => {
    const text = 'ask-questions-about-everything-here and sk-short and task-0123456789abcdefghij';
    expect(redactSecrets(text, [])).toBe(text);
  });

  it('redacts Bearer tokens but keeps the scheme word', () => {
    expect(redactSecrets('Authorization: Bearer eyJhbGciOi.J9eyJzdWIi.OiIxMjM0 sent', [])).toBe(
      'Authorization: Bearer [REDACTED] sent',
    );
    expect(redactSecrets('authorization: bearer abc123def456', [])).toBe('authorization: bearer [REDACTED]');
  });

  it('does not treat prose after the word bearer as a token', () => {
    const text = 'Bearer authentication failed; the bearer of this note is fine.';
    expect(redactSecrets(text, [])).toBe(text);
  });

  it('redacts AWS access key ids', () => {
    expect(redactSecrets('id AKIAIOSFODNN7EXAMPLE and ASIAY34FZKBOKMUTVV7A.', [])).toBe('id [REDACTED] and [REDACTED].');
  });

  it('does not redact AKIA-like words of the wrong length', () => {
    const text = 'AKIASHORT and AKIAIOSFODNN7EXAMPLEXX';
    expect(redactSecrets(text, [])).toBe(text);
  });

  it('redacts Google API keys', () => {
    const key = 'AIzaSyA1234567890abcdefghijklmnopqrstuv';
    expect(key).toHaveLength(39);
    expect(redactSecrets(`https://example.test/v1/models?key=${key}&alt=json`, [])).toBe(
      'https://example.test/v1/models?key=[REDACTED]&alt=json',
    );
    expect(redactSecrets(`AIza${'x'.repeat(20)} is too short`, [])).toBe(`AIza${'x'.repeat(20)} is too short`);
  });

  it('redacts api-key style name/value pairs', () => {
    expect(redactSecrets('x-goog-api-key: abcd1234zz', [])).toBe('x-goog-api-key: [REDACTED]');
    expect(redactSecrets('API-Key:  plainvalue, next', [])).toBe('API-Key:  [REDACTED], next');
    expect(redactSecrets('url?api_key=q1w2e3&size=1024x1024', [])).toBe('url?api_key=[REDACTED]&size=1024x1024');
    expect(redactSecrets('{"api_key": "s3cr3t-value", "model": "m"}', [])).toBe('{"api_key": "[REDACTED]", "model": "m"}');
    expect(redactSecrets('X-Api-Key=zzz999', [])).toBe('X-Api-Key=[REDACTED]');
  });

  it('leaves ordinary text untouched', () => {
    const text = [
      'Your request was rejected as a result of our safety system.',
      'Invalid size 1024x1024 for model; see https://example.test/docs#api-keys for help.',
      'The API key is missing. Risk-free tasks: ask-me-anything. Status 429, retry later.',
      '{"error":{"message":"prompt too long","type":"invalid_request_error","param":"prompt","code":null}}',
    ].join('\n');
    expect(redactSecrets(text, [undefined])).toBe(text);
  });

  it('does not re-redact an already redacted value', () => {
    const once = redactSecrets('api_key=sk-abcdefghijklmnop1234', ['sk-abcdefghijklmnop1234']);
    expect(once).toBe('api_key=[REDACTED]');
    expect(redactSecrets(once, [])).toBe(once);
  });

  it('redacts a 5 MB string in well under a second', () => {
    const filler = 'lorem ipsum dolor sit amet sk- AKIA Bearer api_key AIza task-force ';
    const needle = 'secret-token-xyz';
    let text = '';
    while (text.length < 5 * 1024 * 1024) text += filler;
    text = `${needle} ${text} Bearer abcdefgh12345678 ${needle}`;
    const started = performance.now();
    const result = redactSecrets(text, [needle, 'another-secret']);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(500);
    expect(result.startsWith('[REDACTED] lorem')).toBe(true);
    expect(result.endsWith('Bearer [REDACTED] [REDACTED]')).toBe(true);
    expect(result).not.toContain(needle);
    expect(result).toContain(filler.repeat(3));
    expect(result.length).toBe(text.length - 2 * needle.length + 2 * 10 - ('abcdefgh12345678'.length - 10));
  });

  it('stays linear on adversarial runs of key characters', () => {
    const text = `${'sk-'.repeat(300_000)}${'A'.repeat(1_000_000)} ${'Bearer '.repeat(100_000)} ${'api_key='.repeat(100_000)}`;
    const started = performance.now();
    redactSecrets(text, []);
    expect(performance.now() - started).toBeLessThan(500);
  });
});
