// Where the proxy's log lines go: stdout, written in batches. A write per line costs a trip through libuv's thread
// pool on every request (a tenth of the proxy's CPU under load); batching up to 4 KB, flushed at least every
// 100 ms, keeps lines close to real time. pino flushes what is left when the process exits.
import { pino } from 'pino';

const BATCH_BYTES = 4096;
const FLUSH_EVERY_MS = 100;

export function batchedStdout(): pino.DestinationStream {
  const destination = pino.destination({ dest: 1, sync: false, minLength: BATCH_BYTES });
  const timer = setInterval(() => {
    try {
      destination.flush();
    } catch {
      // Closed (at exit): nothing left to flush.
      clearInterval(timer);
    }
  }, FLUSH_EVERY_MS);
  timer.unref();
  destination.on('close', () => clearInterval(timer));
  return destination;
}
