import { formatTypeScript } from '../format.js';
import { generatedHeader, type GeneratedFile } from './header.js';
import { toLiteral } from './literal.js';

/** The role of every unified request param (x-imagegate-role in the canonical request schema). */
export async function emitCanonicalParams(requestSchema: Record<string, unknown>): Promise<GeneratedFile> {
  const properties = requestSchema['properties'] as Record<string, Record<string, unknown>>;
  const roles = Object.fromEntries(
    Object.entries(properties).map(([name, schema]) => {
      const role = schema['x-imagegate-role'];
      if (role !== 'param' && role !== 'control' && role !== 'credential') {
        throw new Error(`spec/canonical/image-generation-request.schema.json ${name}: x-imagegate-role must be param, control or credential`);
      }
      return [name, role];
    }),
  );
  const steering = (requestSchema['x-imagegate-client-steering'] ?? { keys: [], key_patterns: [] }) as { keys: string[]; key_patterns: string[] };
  for (const pattern of steering.key_patterns) new RegExp(pattern);
  const code = [
    generatedHeader('canonical-params', 'spec/canonical/image-generation-request.schema.json'),
    `export type ParamRole = 'param' | 'control' | 'credential';\n\n`,
    `export const requestParamRoles: Readonly<Record<string, ParamRole>> = ${toLiteral(roles)};\n\n`,
    `/** Keys besides the credential-role params that a proxy client may not send unless the operator allows it. */\n`,
    `export const clientSteeringKeys: readonly string[] = ${toLiteral([...steering.keys].sort())};\n\n`,
    `export const clientSteeringKeyPatterns: readonly RegExp[] = [${steering.key_patterns.map((p) => `/${p}/`).join(', ')}];\n`,
  ].join('');
  return { path: 'canonical/params.ts', content: await formatTypeScript(code) };
}
