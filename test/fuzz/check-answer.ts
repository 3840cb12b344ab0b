// What every answer to a fuzzed request must be: a 4xx in the OpenAI error envelope, or a success of the right shape
// (an ImagesResponse or an event stream that completes, on the image routes). Never a 5xx, never silence, except where
// the request itself makes silence right (see RawFuzzRequest.allow). Also: where configured secrets may hide in text.
import type { Answer, FuzzRequest } from './fuzz-request.js';

export interface Verdict {
  problems: string[];
}

/**
 * An error answer quotes what the client sent at most in part: a client must not be able to make the proxy answer
 * (or log) megabytes of its own input. The proxy keeps a message to 2,000 characters and a param to 200, and JSON
 * writes a character in at most 6 bytes (\ud800).
 */
export const MAX_ERROR_BODY_BYTES = 16 * 1024;

const header = (answer: Extract<Answer, { kind: 'response' }>, name: string): string | undefined => answer.headers[name]?.[0];

function parseJson(body: Buffer): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(body.toString('utf8')) };
  } catch {
    return undefined;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The exact shape of test/e2e/helpers/proxy-http.ts expectEnvelope, as a list of problems. */
export function envelopeProblems(body: Buffer): string[] {
  const parsed = parseJson(body);
  if (parsed === undefined) return ['the error body is not JSON'];
  const value = parsed.value;
  if (!isRecord(value) || Object.keys(value).join() !== 'error') return ['the error body is not exactly { error }'];
  const error = value['error'];
  if (!isRecord(error)) return ['"error" is not an object'];
  const problems: string[] = [];
  if (Object.keys(error).sort().join() !== 'code,message,param,type') problems.push(`error keys are ${JSON.stringify(Object.keys(error))}`);
  if (typeof error['message'] !== 'string' || error['message'].length === 0) problems.push('error.message is not a non-empty string');
  if (typeof error['type'] !== 'string' || error['type'].length === 0) problems.push('error.type is not a non-empty string');
  for (const key of ['param', 'code'])
    if (error[key] !== null && typeof error[key] !== 'string') problems.push(`error.${key} is neither a string nor null`);
  return problems;
}

function imageItemProblems(item: unknown, where: string): string[] {
  if (!isRecord(item)) return [`${where} is not an object`];
  const b64 = item['b64_json'];
  const url = item['url'];
  if (typeof b64 === 'string' && b64.length > 0) return /^[A-Za-z0-9+/]+={0,2}$/.test(b64) ? [] : [`${where}.b64_json is not base64`];
  if (typeof url === 'string' && /^(https?:|data:image\/)/.test(url)) return [];
  return [`${where} has neither b64_json nor an http(s)/data: url`];
}

/** A JSON success of an image route: an ImagesResponse with at least one image. */
export function imagesResponseProblems(body: Buffer): string[] {
  const parsed = parseJson(body);
  if (parsed === undefined || !isRecord(parsed.value)) return ['the success body is not a JSON object'];
  const value = parsed.value;
  if (typeof value['created'] !== 'number') return ['ImagesResponse.created is not a number'];
  const data = value['data'];
  if (!Array.isArray(data) || data.length === 0) return ['ImagesResponse.data is not a non-empty array'];
  return data.flatMap((item, index) => imageItemProblems(item, `data[${index}]`));
}

/**
 * An error event ends a stream that failed after its 200 went out (README: streaming): right when its error is the
 * envelope's error object and one a client caused (a timeout it asked for, ...), wrong when it is a server fault.
 */
function errorEventProblems(data: Record<string, unknown>): string[] {
  const problems = envelopeProblems(Buffer.from(JSON.stringify({ error: data['error'] })));
  if (problems.length > 0) return problems.map((problem) => `error event: ${problem}`);
  const error = data['error'] as { type: string; code: string | null };
  return error.type === 'api_error' || error.code === 'internal_error' ? [`the stream ended with a server error: ${JSON.stringify(error)}`] : [];
}

/** A streamed success: well-formed server-sent events ending with a completed image, or with an error a client caused. */
export function eventStreamProblems(body: Buffer): string[] {
  const messages = body
    .toString('utf8')
    .split('\n\n')
    .filter((message) => message.trim().length > 0);
  if (messages.length === 0) return ['the event stream is empty'];
  const types: string[] = [];
  let last: Record<string, unknown> = {};
  for (const message of messages) {
    const event = /^event: (.+)$/m.exec(message)?.[1];
    const data = /^data: (.+)$/m.exec(message)?.[1];
    const parsed = data === undefined ? undefined : parseJson(Buffer.from(data));
    if (event === undefined || parsed === undefined || !isRecord(parsed.value)) return [`malformed event: ${JSON.stringify(message.slice(0, 200))}`];
    if (parsed.value['type'] !== event) return [`event ${event} carries type ${String(parsed.value['type'])}`];
    types.push(event);
    last = parsed.value;
  }
  if (types.slice(0, -1).includes('error')) return ['the stream goes on after an error event'];
  if (types.at(-1) === 'error') return errorEventProblems(last);
  if (!/^image_(generation|edit)\.completed$/.test(types.at(-1)!)) return [`the stream ends with ${types.at(-1)}, not a completed event`];
  return [];
}

function successProblems(request: FuzzRequest, answer: Extract<Answer, { kind: 'response' }>): string[] {
  if (request.head === true || !request.imageRoute) {
    if (request.head !== true && (header(answer, 'content-type') ?? '').startsWith('application/json') && parseJson(answer.body) === undefined) {
      return ['a JSON success body does not parse'];
    }
    return [];
  }
  const type = header(answer, 'content-type') ?? '';
  if (type.startsWith('application/json')) return imagesResponseProblems(answer.body);
  if (type.startsWith('text/event-stream')) return eventStreamProblems(answer.body);
  return [`an image success with content-type ${JSON.stringify(type)}`];
}

function errorProblems(request: FuzzRequest, answer: Extract<Answer, { kind: 'response' }>): Verdict {
  const type = header(answer, 'content-type') ?? '';
  if (!type.startsWith('application/json')) return { problems: [`a ${answer.status} with content-type ${JSON.stringify(type)}`] };
  if (request.head === true) return { problems: [] };
  const problems = envelopeProblems(answer.body);
  if (answer.body.length > MAX_ERROR_BODY_BYTES) problems.push(`the error body is ${answer.body.length} bytes`);
  const code = request.expect?.code;
  if (problems.length === 0 && code !== undefined) {
    const actual = (JSON.parse(answer.body.toString('utf8')) as { error: { code: unknown } }).error.code;
    if (actual !== code) problems.push(`error.code is ${JSON.stringify(actual)}, expected ${JSON.stringify(code)}`);
  }
  return { problems };
}

export function checkAnswer(request: FuzzRequest, answer: Answer): Verdict {
  if (answer.kind === 'client-error') return { problems: [`no answer: ${answer.error}`] };
  // What a client that left on purpose got before leaving (headers, some events) is not an answer to check.
  if (answer.kind === 'abandoned') return { problems: [] };
  if (answer.kind !== 'response') {
    const allowed = request.via === 'raw' && request.allow.includes(answer.kind);
    if (!allowed) return { problems: [`no answer (${answer.kind} after ${answer.ms} ms)`] };
    return answer.received.length === 0
      ? { problems: [] }
      : { problems: [`a partial answer before the ${answer.kind}: ${JSON.stringify(answer.received.toString('latin1').slice(0, 200))}`] };
  }
  const { status } = answer;
  const excerpt = JSON.stringify(answer.body.toString('utf8').slice(0, 300));
  if (request.expect !== undefined && status !== request.expect.status) {
    return { problems: [`status ${status}, expected ${request.expect.status}: ${excerpt}`] };
  }
  let verdict: Verdict;
  if (status >= 200 && status < 300) verdict = { problems: successProblems(request, answer) };
  else if (status >= 400 && status < 500) verdict = errorProblems(request, answer);
  else verdict = { problems: [`status ${status}`] };
  if (verdict.problems.length > 0) verdict.problems = verdict.problems.map((problem) => `${problem} (status ${status}, body ${excerpt})`);
  return verdict;
}

/**
 * The forms a secret can take in text: as is, URL-encoded, hex, base64 (at each of the three byte alignments it
 * can have inside longer base64), and as the decimal byte list of a JSON-serialised Buffer (pino writes a Buffer
 * in an error's rawPacket that way).
 */
export function secretForms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const forms = new Set([secret, encodeURIComponent(secret), bytes.toString('hex'), [...bytes].join(',')]);
  for (const shift of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    // Drop the characters that depend on the bytes around the secret.
    forms.add(encoded.slice(shift === 0 ? 0 : 4, -4));
  }
  return [...forms];
}

export interface SecretScanner {
  /** Names of the secrets found in `text` (and in which form), empty when none. */
  scan(text: string): string[];
}

export function secretScanner(secrets: Record<string, string>): SecretScanner {
  const forms = Object.entries(secrets).flatMap(([name, secret]) => secretForms(secret).map((form) => ({ name, form })));
  return {
    scan: (text) => forms.filter(({ form }) => text.includes(form)).map(({ name, form }) => `${name} (as ${JSON.stringify(form.slice(0, 12))}...)`),
  };
}
