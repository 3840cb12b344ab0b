// Run by test/startup/lazy-dependencies.test.ts in a fresh `node`: imports the given modules (the package entry
// first), makes the given calls of the package's exports one after the other, and prints one JSON line: each call's
// outcome and every module the process loaded (ESM through the loader hooks; CommonJS through require.cache, which
// also holds the modules CommonJS packages require internally, which the hooks do not see on Node 20).
// argv[2]: JSON { imports: string[] (file URLs), calls?: { fn: 'imageGeneration' | 'imageEdit', params: object }[] }
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { MessageChannel } from 'node:worker_threads';

const job = JSON.parse(process.argv[2]);
const loaded = new Set();
const { port1, port2 } = new MessageChannel();
let onMarker;
const MARKER = 'data:text/javascript,export default "imagegate-load-marker"';
port1.on('message', (url) => {
  if (url === MARKER) onMarker();
  else loaded.add(url);
});
register('./module-recorder-hooks.mjs', import.meta.url, { data: { port: port2 }, transferList: [port2] });

const modules = [];
for (const url of job.imports) modules.push(await import(url));
const calls = [];
for (const { fn, params } of job.calls ?? []) {
  try {
    calls.push({ ok: true, images: (await modules[0][fn](params)).data.length });
  } catch (error) {
    calls.push({ ok: false, error: `${error?.name}: ${error?.message}` });
  }
}

// The hooks report each URL before the module loads, in order on one port: once the marker's own report
// arrives, every earlier one has.
const flushed = new Promise((resolve) => (onMarker = resolve));
await import(MARKER);
await flushed;
port1.close();
for (const path of Object.keys(createRequire(import.meta.url).cache)) loaded.add(pathToFileURL(path).href);
process.stdout.write(`${JSON.stringify({ calls, modules: [...loaded].sort() })}\n`);
