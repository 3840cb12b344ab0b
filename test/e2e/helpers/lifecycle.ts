// Proxies and upstreams started by a test are stopped after it, whatever it asserted.
import { afterEach } from 'vitest';
import { startProxyProcess, type ProxyProcess, type StartOptions } from '../../helpers/proxy-process.js';
import { startRecordingServer, type CannedResponse, type RecordingServer } from '../../helpers/recording-server.js';

const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

export async function proxy(options: StartOptions | string): Promise<ProxyProcess> {
  const started = await startProxyProcess(typeof options === 'string' ? { config: options } : options);
  cleanups.push(() => started.stop('SIGKILL'));
  return started;
}

export async function upstream(answer?: CannedResponse): Promise<RecordingServer> {
  const server = await startRecordingServer();
  if (answer !== undefined) server.respond(answer);
  cleanups.push(() => server.close());
  return server;
}
