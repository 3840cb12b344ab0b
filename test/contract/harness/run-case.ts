// Runs one contract case through the real client: against a recording server for the exact wire
// request and the unified result, and against Prism for the contract's verdict.
import { expect } from 'vitest';
import { imageEdit, imageGeneration, ImagegateError } from '../../../src/index.js';
import type { Registry } from '../../../src/provider/types.js';
import { defaultImageResponse, type RecordingServer } from '../../helpers/recording-server.js';
import { withUpstream, type ContractCase } from './cases.js';

export const TEST_KEY = 'test-key-0123456789';
/** The clock of every case: a provider that sends no `created` gets 1700000000. */
const FIXED_NOW = () => 1_700_000_000_000;

function callInput(testCase: ContractCase, upstream: string): { input: Record<string, unknown>; env: Record<string, string> } {
  const input = withUpstream(testCase.input, upstream);
  const env = withUpstream(testCase.env ?? {}, upstream);
  const envNamesUpstream = Object.values(env).some((value) => value.includes(upstream));
  if (input['api_base'] === undefined && !envNamesUpstream) input['api_base'] = upstream;
  if (input['api_key'] === undefined && testCase.env === undefined) input['api_key'] = TEST_KEY;
  return { input, env };
}

function call(testCase: ContractCase, input: Record<string, unknown>, options: Parameters<typeof imageGeneration>[1]): Promise<unknown> {
  return testCase.operation === 'edit' ? imageEdit(input as never, options) : imageGeneration(input as never, options);
}

async function outcome(promise: Promise<unknown>): Promise<{ value?: unknown; error?: unknown }> {
  try {
    return { value: await promise };
  } catch (error) {
    return { error };
  }
}

export async function runAgainstRecorder(testCase: ContractCase, server: RecordingServer, registry?: Registry): Promise<void> {
  server.requests.length = 0;
  server.respond(testCase.upstream ?? defaultImageResponse);
  const { input, env } = callInput(testCase, server.url);
  const result = await outcome(call(testCase, input, { env, registry, now: FIXED_NOW }));
  const expected = testCase.expect_request === undefined ? undefined : withUpstream(testCase.expect_request, server.url);
  if (expected !== undefined) {
    expect(server.requests, 'requests sent').toHaveLength(1);
    const sent = server.requests[0]!;
    expect(sent.method).toBe(expected.method);
    expect(sent.path).toBe(expected.path);
    expect(sent.query).toEqual(expected.query ?? {});
    for (const [name, value] of Object.entries(expected.headers ?? {})) {
      expect(sent.headers[name] ?? null, `header ${name}`).toBe(value);
    }
    if (expected.multipart !== undefined) expect(sent.form, 'multipart body').toEqual(expected.multipart);
    else expect(sent.body).toEqual(expected.body);
  }
  if (testCase.expect_error !== undefined) {
    const want = testCase.expect_error;
    expect(result.error, `expected ${want.class}, got ${JSON.stringify(result.value)}`).toBeInstanceOf(ImagegateError);
    const error = result.error as ImagegateError;
    expect(error.name).toBe(want.class);
    if (want.status !== undefined) expect(error.status ?? null).toBe(want.status);
    if (want.code !== undefined) expect(error.code).toBe(want.code);
    if (want.param !== undefined) expect(error.param).toBe(want.param);
    for (const text of want.message_includes ?? []) expect(error.message).toContain(text);
    for (const text of want.message_excludes ?? []) expect(error.message).not.toContain(text);
    if (want.no_request === true) expect(server.requests).toHaveLength(0);
    return;
  }
  if (result.error !== undefined) throw result.error;
  const response = result.value as { _hidden_params: { warnings: { code: string }[]; response_cost: number | null } };
  if (testCase.expect_response !== undefined) expect(JSON.parse(JSON.stringify(response))).toEqual(testCase.expect_response);
  // Cost is pinned only by cases that say what it must be (expect_response_cost); elsewhere a canned answer without
  // usage makes a token-priced model's cost unknown, which is not what those cases are about.
  const costPinned = testCase.expect_response_cost !== undefined;
  if (costPinned) expect(response._hidden_params.response_cost).toBeCloseTo(testCase.expect_response_cost!, 10);
  const codes = response._hidden_params.warnings.map((w) => w.code).filter((code) => costPinned || code !== 'unknown-price');
  expect(codes).toEqual(testCase.expect_warnings ?? []);
}

export function sendsToPrism(testCase: ContractCase): boolean {
  if (testCase.prism !== undefined) return testCase.prism;
  return testCase.expect_request !== undefined && testCase.upstream === undefined && testCase.expect_error === undefined;
}

/** The contract's verdict: Prism answers 422 (a BadRequestError here) to a request that breaks it. */
export async function runAgainstPrism(testCase: ContractCase, prismUrl: string, registry?: Registry): Promise<void> {
  const { input, env } = callInput(testCase, prismUrl);
  input['api_base'] = prismUrl;
  input['num_retries'] = 0;
  const result = await outcome(call(testCase, input, { env, registry }));
  if (result.error !== undefined) {
    const error = result.error as Error;
    throw new Error(`Prism rejected the request of "${testCase.description}": ${error.message}`);
  }
}
