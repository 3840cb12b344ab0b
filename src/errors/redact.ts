const REDACTED = '[REDACTED]';
const MIN_SECRET_LENGTH = 6;

const SK_KEY = /(?<![A-Za-z0-9])sk-[A-Za-z0-9_-]{16,}/g;
const AWS_ACCESS_KEY_ID = /(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])/g;
const GOOGLE_API_KEY = /AIza[A-Za-z0-9_-]{35}/g;
const BEARER = /(?<![A-Za-z0-9])(bearer)(\s+)([A-Za-z0-9._~+/-]+=*)/gi;
const KEY_PAIR = /(?<![A-Za-z0-9])(api[-_]?key["']?\s*[:=]\s*["']?)([^\s"'&,;<>()[\]{}]+)/gi;

export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let result = redactGiven(text, secrets);
  result = result.replace(SK_KEY, REDACTED);
  result = result.replace(AWS_ACCESS_KEY_ID, REDACTED);
  result = result.replace(GOOGLE_API_KEY, REDACTED);
  result = result.replace(BEARER, (match, word: string, space: string, token: string) =>
    looksLikeToken(token) ? `${word}${space}${REDACTED}` : match,
  );
  result = result.replace(KEY_PAIR, (_match, prefix: string) => `${prefix}${REDACTED}`);
  return result;
}

function redactGiven(text: string, secrets: readonly (string | undefined)[]): string {
  const unique = [...new Set(secrets)].filter(
    (secret): secret is string => typeof secret === 'string' && secret.length >= MIN_SECRET_LENGTH,
  );
  if (unique.length === 0) return text;
  // One alternation, longest first, so a secret containing another is replaced whole in a single pass.
  unique.sort((a, b) => b.length - a.length);
  const pattern = new RegExp(unique.map(escapeRegExp).join('|'), 'g');
  return text.replace(pattern, REDACTED);
}

// "Bearer" also occurs in prose ("Bearer authentication"); tokens are long or contain digits/symbols.
function looksLikeToken(token: string): boolean {
  return token.length >= 20 || (token.length >= 8 && /[0-9._~+/=-]/.test(token));
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
