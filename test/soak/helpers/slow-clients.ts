// Child process (forked by slowloris.test.ts): the slowloris clients, in a process of their own so that opening and
// feeding hundreds of sockets does not slow the test's ordinary clients, whose latency is what is measured.
// Gets one SlowAttack over IPC, opens the sockets, trickles one byte per socket every trickleMs until the proxy
// closes it (or untilMs passes: then it closes the rest itself), and answers with one SlowSocketReport per socket.
import net from 'node:net';
import { SLOW_KINDS, type SlowAttack, type SlowAttackResult, type SlowKind } from './slow-clients-protocol.js';

interface Slow {
  kind: SlowKind;
  socket: net.Socket;
  openedAt: number;
  closedAt: number | undefined;
  received: string;
  pending: string;
  error: string | undefined;
}

function slowRequest(kind: SlowKind, authorization: string): { now: string; pending: string } {
  if (kind === 'silent') return { now: '', pending: '' };
  const requestLine = 'POST /v1/images/generations HTTP/1.1\r\n';
  const headers = `Host: 127.0.0.1\r\nAuthorization: ${authorization}\r\nContent-Type: application/json\r\n`;
  // slow-headers: the header block never ends (an endless run of X-Padding lines follows); slow-body: 2 KB promised.
  if (kind === 'slow-headers') return { now: requestLine, pending: `${headers}${'X-Padding: a\r\n'.repeat(400)}` };
  return { now: `${requestLine}${headers}Content-Length: 2048\r\n\r\n`, pending: `{"model":"images","prompt":"${'a'.repeat(2_000)}` };
}

function open(port: number, kind: SlowKind, authorization: string): Promise<Slow> {
  return new Promise((resolve, reject) => {
    const { now, pending } = slowRequest(kind, authorization);
    const socket = net.connect(port, '127.0.0.1');
    const slow: Slow = { kind, socket, openedAt: 0, closedAt: undefined, received: '', pending, error: undefined };
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (slow.received.length < 2048) slow.received += chunk.toString('latin1').slice(0, 2048 - slow.received.length);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => (slow.error = error.code ?? error.message));
    socket.on('close', () => (slow.closedAt ??= performance.now()));
    socket.once('connect', () => {
      slow.openedAt = performance.now();
      if (now !== '') socket.write(now);
      resolve(slow);
    });
    socket.once('error', reject);
  });
}

async function attack(job: SlowAttack): Promise<SlowAttackResult> {
  const slow: Slow[] = [];
  const startedAt = Date.now();
  const started = performance.now();
  // In batches of 50 per kind: the proxy's listen backlog is finite.
  for (let batch = 0; batch < job.perKind; batch += 50) {
    const size = Math.min(50, job.perKind - batch);
    for (const kind of SLOW_KINDS) slow.push(...(await Promise.all(Array.from({ length: size }, () => open(job.port, kind, job.authorization)))));
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const openedInMs = performance.now() - started;
  const trickle = setInterval(() => {
    for (const one of slow) {
      if (one.closedAt !== undefined || one.socket.destroyed || one.pending === '') continue;
      one.socket.write(one.pending.slice(0, 1));
      one.pending = one.pending.slice(1);
    }
  }, job.trickleMs);
  const deadline = performance.now() + job.untilMs;
  while (slow.some((one) => one.closedAt === undefined) && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  clearInterval(trickle);
  const endedAt = Date.now();
  const sockets = slow.map((one) => ({
    kind: one.kind,
    lifetimeMs: one.closedAt === undefined ? undefined : one.closedAt - one.openedAt,
    statusLine: one.received.split('\r\n')[0] ?? '',
    received: one.received,
    error: one.error,
  }));
  for (const one of slow) one.socket.destroy();
  return { openedInMs, startedAt, endedAt, sockets };
}

process.on('message', (job: SlowAttack) => {
  attack(job).then(
    (result) => process.send!({ ok: true, result }),
    (error: unknown) => process.send!({ ok: false, error: String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
