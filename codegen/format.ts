import { format } from 'prettier';

const options = {
  parser: 'typescript',
  printWidth: 120,
  singleQuote: true,
  trailingComma: 'all',
  endOfLine: 'lf',
} as const;

export async function formatTypeScript(code: string): Promise<string> {
  return format(code, options);
}
