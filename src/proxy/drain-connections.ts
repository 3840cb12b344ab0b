// Shutdown without dropping a request a keep-alive client already sent. http.Server#close() (what fastify's close()
// calls) destroys every idle keep-alive connection at once; a client that had just written its next request on one
// gets a reset instead of an answer. It also stops node's header/request timeouts, so one silent connection holds
// the shutdown for the whole grace period. Instead: stop accepting, keep the open connections (node keeps enforcing
// its timeouts on them), answer whatever arrives with the draining 503 and Connection: close, and close a connection
// ourselves only once it has been quiet (no request in progress, not a byte received) for `idleMs`.
import type { Server } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';
import { setImmediate as afterPendingIo, setTimeout as sleep } from 'node:timers/promises';

interface Connection {
  /** Requests in progress on it (more than one only when a client pipelines). */
  active: number;
  /** When it last had none. */
  idleSince: number;
  /** socket.bytesRead then: more since means a request has begun arriving. */
  bytesReadWhenIdle: number;
}

export class ConnectionDrain {
  private readonly connections = new Map<Socket, Connection>();

  constructor(private readonly server: Server) {
    server.on('connection', (socket: Socket) => {
      this.connections.set(socket, { active: 0, idleSince: performance.now(), bytesReadWhenIdle: 0 });
      socket.once('close', () => this.connections.delete(socket));
    });
    server.on('request', (request, response) => {
      const connection = this.connections.get(request.socket);
      if (connection === undefined) return;
      connection.active++;
      response.once('close', () => {
        connection.active--;
        if (connection.active > 0) return;
        connection.idleSince = performance.now();
        connection.bytesReadWhenIdle = request.socket.bytesRead;
      });
    });
  }

  get openConnections(): number {
    return this.connections.size;
  }

  /**
   * Stops accepting connections and resolves once every open one is closed. Those with a request in flight close
   * after their answer (the caller makes every answer carry Connection: close); one that has received part of a
   * request is left to node's header and request timeouts; one that has been quiet for idleMs since the drain began
   * or since its last answer (an idle keep-alive connection, a client that never sent a byte) is closed here. A
   * keep-alive client whose next request was on its way when shutdown began gets idleMs for it to arrive.
   */
  async drain(idleMs: number, pollMs = 25): Promise<void> {
    const started = performance.now();
    // net.Server's close only stops listening; http.Server's would also destroy the idle connections right now.
    NetServer.prototype.close.call(this.server);
    while (this.connections.size > 0) {
      await sleep(pollMs);
      // Decide after an I/O poll, so bytes that reached us while this process waited for a CPU have been read.
      await afterPendingIo();
      const now = performance.now();
      for (const [socket, connection] of this.connections) {
        const quiet = connection.active === 0 && socket.bytesRead === connection.bytesReadWhenIdle;
        if (quiet && now - Math.max(started, connection.idleSince) >= idleMs) socket.destroy();
      }
    }
  }
}
