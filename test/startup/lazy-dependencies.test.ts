// Start-up cost: importing the built package and generating with an OpenAI model loads no Google, AWS or server
// dependency, nor image-size (only edits read input images). Each case is a fresh `node` (load-and-record.mjs) that
// records every module it loads; the controls load each of those packages for real (a Vertex AI call, a Bedrock call
// through an AWS profile, the proxy's command, an edit), so a detector that saw nothing would fail them.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtDistRoot, builtEntry } from '../helpers/built-package.js';
import { startGoogleTokenServer, type GoogleTokenServer } from '../helpers/google-token-server.js';
import { isolatedEnv } from '../helpers/proxy-process.js';
import { startRecordingServer, type CannedResponse, type RecordedRequest, type RecordingServer } from '../helpers/recording-server.js';

/** What neither `import 'imagegate'` nor a generation with an OpenAI model may load: a package name, or a scope/. */
const FORBIDDEN = [
  'google-auth-library',
  'gaxios',
  'gcp-metadata',
  '@aws-sdk/',
  '@smithy/',
  'fastify',
  '@fastify/',
  'pino',
  'prom-client',
  'close-with-grace',
  'yaml',
  // Small, but only edits (input images) need it.
  'image-size',
];

const PNG_1X1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const RECORDER = fileURLToPath(new URL('./load-and-record.mjs', import.meta.url));
const entryUrl = pathToFileURL(builtEntry()).href;

interface Call {
  fn: 'imageGeneration' | 'imageEdit';
  params: Record<string, unknown>;
}

interface Recorded {
  /** Each call's outcome: how many images it returned, or its error. */
  calls: ({ ok: true; images: number } | { ok: false; error: string })[];
  modules: string[];
  /** The npm packages among the modules, e.g. "undici", "@smithy/signature-v4". */
  packages: string[];
}

/** The package a module URL belongs to (the innermost node_modules/ in its path), or undefined for the build's own files and node: builtins. */
function packageOf(url: string): string | undefined {
  const match = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  return match?.[1];
}

function matches(pattern: string, pkg: string): boolean {
  return pattern.endsWith('/') ? pkg.startsWith(pattern) : pkg === pattern;
}

function forbiddenIn(packages: string[]): string[] {
  return packages.filter((pkg) => FORBIDDEN.some((pattern) => matches(pattern, pkg)));
}

function record(job: { imports: string[]; calls?: Call[] }, env: Record<string, string> = isolatedEnv(), timeoutMs = 20_000): Promise<Recorded> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RECORDER, JSON.stringify(job)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`load-and-record did not exit within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) return reject(new Error(`load-and-record exited with ${code}\n${stdout}\n${stderr}`));
      const recorded = JSON.parse(line) as Omit<Recorded, 'packages'>;
      const packages = [...new Set(recorded.modules.map(packageOf).filter((pkg): pkg is string => pkg !== undefined))].sort();
      resolve({ ...recorded, packages });
    });
  });
}

/** OpenAI's shape by default; Bedrock (Titan) and Vertex AI (Imagen) answers for the controls. */
function answer(request: RecordedRequest): CannedResponse {
  if (request.path.startsWith('/model/')) return { status: 200, body: { images: [PNG_1X1] } };
  if (request.path.endsWith(':predict')) return { status: 200, body: { predictions: [{ bytesBase64Encoded: PNG_1X1, mimeType: 'image/png' }] } };
  return { status: 200, body: { created: 1700000000, data: [{ b64_json: PNG_1X1 }] } };
}

describe(`start-up dependencies of the built package (${builtDistRoot})`, () => {
  let upstream: RecordingServer;
  let tokens: GoogleTokenServer;
  const openai = (model: string) => ({ model, prompt: 'a red fox', api_key: 'sk-startup-test', api_base: `${upstream.url}/v1` });

  beforeAll(async () => {
    upstream = await startRecordingServer();
    upstream.respond(answer);
    tokens = await startGoogleTokenServer();
  });

  afterAll(async () => {
    await upstream?.close();
    await tokens?.close();
  });

  it('importing the package entry loads none of them', async () => {
    const recorded = await record({ imports: [entryUrl] });
    // The detector saw the import itself.
    expect(recorded.modules).toContain(entryUrl);
    expect(forbiddenIn(recorded.packages)).toEqual([]);
  });

  it.each(['openai/gpt-image-1', 'gpt-image-1'])('import + a generation with %s loads none of them', async (model) => {
    const before = upstream.requests.length;
    const recorded = await record({ imports: [entryUrl], calls: [{ fn: 'imageGeneration', params: openai(model) }] });
    expect(recorded.calls).toEqual([{ ok: true, images: 1 }]);
    const sent = upstream.requests.slice(before);
    expect(sent.map((request) => `${request.method} ${request.path}`)).toEqual(['POST /v1/images/generations']);
    expect(sent[0]!.headers.authorization).toBe('Bearer sk-startup-test');
    // The HTTP client did load: CommonJS packages are detected too.
    expect(recorded.packages).toContain('undici');
    expect(forbiddenIn(recorded.packages)).toEqual([]);
  });

  describe('controls: the detector sees each of them when it is loaded', () => {
    /** Each control runs once, when a test first needs it (the last test needs them all, whatever -t selects). */
    const once = <T>(run: () => Promise<T>): (() => Promise<T>) => {
      let result: Promise<T> | undefined;
      return () => (result ??= run());
    };
    const controls = {
      vertex: once(() =>
        record({
          imports: [entryUrl],
          calls: [
            {
              fn: 'imageGeneration',
              params: {
                model: 'vertex_ai/imagen-4.0-generate-001',
                prompt: 'a red fox',
                vertex_credentials: tokens.serviceAccountJson(),
                vertex_ai_location: 'us-central1',
                api_base: upstream.url,
              },
            },
          ],
        }),
      ),
      bedrock: once(async () => {
        const dir = mkdtempSync(join(tmpdir(), 'imagegate-startup-aws-'));
        writeFileSync(join(dir, 'credentials'), '[startup]\naws_access_key_id = AKIDSTARTUPTEST\naws_secret_access_key = startup-secret\n');
        writeFileSync(join(dir, 'config'), '[profile startup]\nregion = us-east-1\n');
        const env = isolatedEnv({ AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'), AWS_CONFIG_FILE: join(dir, 'config') });
        const before = upstream.requests.length;
        const recorded = await record(
          {
            imports: [entryUrl],
            calls: [
              {
                fn: 'imageGeneration',
                params: {
                  model: 'bedrock/amazon.titan-image-generator-v2:0',
                  prompt: 'a red fox',
                  aws_profile_name: 'startup',
                  api_base: upstream.url,
                },
              },
            ],
          },
          env,
        );
        return { recorded, sent: upstream.requests.slice(before) };
      }),
      serve: once(() => record({ imports: [entryUrl, pathToFileURL(join(builtDistRoot, 'src', 'cli', 'serve-command.js')).href] })),
      edit: once(() => record({ imports: [entryUrl], calls: [{ fn: 'imageEdit', params: { ...openai('openai/gpt-image-1'), image: PNG_1X1 } }] })),
    };

    it('a Vertex AI generation (service-account key, local token endpoint) loads google-auth-library', async () => {
      const recorded = await controls.vertex();
      expect(recorded.calls).toEqual([{ ok: true, images: 1 }]);
      expect(tokens.grants()).toBeGreaterThan(0);
      expect(recorded.packages).toEqual(expect.arrayContaining(['google-auth-library', 'gaxios', 'gcp-metadata']));
    });

    it('a Bedrock generation through an AWS profile loads @aws-sdk/* and @smithy/*', async () => {
      const { recorded, sent } = await controls.bedrock();
      expect(recorded.calls).toEqual([{ ok: true, images: 1 }]);
      expect(sent[0]?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDSTARTUPTEST\//);
      expect(recorded.packages).toEqual(expect.arrayContaining(['@aws-sdk/credential-provider-node', '@smithy/signature-v4']));
    });

    it("importing the proxy's command (imagegate serve) loads the server packages", async () => {
      const recorded = await controls.serve();
      expect(recorded.packages).toEqual(expect.arrayContaining(['fastify', '@fastify/multipart', 'pino', 'prom-client', 'close-with-grace', 'yaml']));
    });

    it('an OpenAI edit (an input image) loads image-size', async () => {
      const recorded = await controls.edit();
      expect(recorded.calls).toEqual([{ ok: true, images: 1 }]);
      expect(recorded.packages).toContain('image-size');
    });

    it('together they load every forbidden package', async () => {
      const loaded = [
        ...(await controls.vertex()).packages,
        ...(await controls.bedrock()).recorded.packages,
        ...(await controls.serve()).packages,
        ...(await controls.edit()).packages,
      ];
      const unseen = FORBIDDEN.filter((pattern) => !loaded.some((pkg) => matches(pattern, pkg)));
      expect(unseen).toEqual([]);
    });
  });
});
