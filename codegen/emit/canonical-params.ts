import { formatTypeScript } from '../format.js';
import { generatedHeader, type GeneratedFile } from './header.js';
import { toLiteral } from './literal.js';

const ROLES = ['param', 'control', 'credential', 'file'];

function rolesOf(schema: Record<string, unknown>, file: string, allowed: readonly string[]): Record<string, string> {
  const properties = schema['properties'] as Record<string, Record<string, unknown>>;
  return Object.fromEntries(
    Object.entries(properties).map(([name, property]) => {
      const role = property['x-imagegate-role'];
      if (typeof role !== 'string' || !allowed.includes(role)) throw new Error(`spec/canonical/${file} ${name}: x-imagegate-role must be one of ${allowed.join(', ')}`);
      return [name, role];
    }),
  );
}

/** The role of every unified request param (x-imagegate-role in the canonical request schemas); an edit adds its own keys. */
export async function emitCanonicalParams(requestSchema: Record<string, unknown>, editSchema: Record<string, unknown>): Promise<GeneratedFile> {
  const roles = rolesOf(requestSchema, 'image-generation-request.schema.json', ROLES.slice(0, 3));
  const editRoles = { ...roles, ...rolesOf(editSchema, 'image-edit-request.schema.json', ROLES) };
  const steering = (requestSchema['x-imagegate-client-steering'] ?? { keys: [], key_patterns: [] }) as { keys: string[]; key_patterns: string[] };
  for (const pattern of steering.key_patterns) new RegExp(pattern);
  const code = [
    generatedHeader('canonical-params', 'spec/canonical/image-generation-request.schema.json, image-edit-request.schema.json'),
    `export type ParamRole = 'param' | 'control' | 'credential' | 'file';\n\n`,
    `export const requestParamRoles: Readonly<Record<string, ParamRole>> = ${toLiteral(roles)};\n\n`,
    `/** An edit's keys: the generation request's plus the input files and edit-only params. */\n`,
    `export const editParamRoles: Readonly<Record<string, ParamRole>> = ${toLiteral(editRoles)};\n\n`,
    `/** Keys besides the credential-role params that a proxy client may not send unless the operator allows it. */\n`,
    `export const clientSteeringKeys: readonly string[] = ${toLiteral([...steering.keys].sort())};\n\n`,
    `export const clientSteeringKeyPatterns: readonly RegExp[] = [${steering.key_patterns.map((p) => `/${p}/`).join(', ')}];\n`,
  ].join('');
  return { path: 'canonical/params.ts', content: await formatTypeScript(code) };
}
