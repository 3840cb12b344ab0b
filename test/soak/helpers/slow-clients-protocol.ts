// What slowloris.test.ts and its child process (slow-clients.ts) exchange over IPC. Kept apart from slow-clients.ts,
// which listens for IPC messages as soon as it is imported.
export const SLOW_KINDS = ['silent', 'slow-headers', 'slow-body'] as const;
export type SlowKind = (typeof SLOW_KINDS)[number];

export interface SlowAttack {
  port: number;
  perKind: number;
  trickleMs: number;
  /** Give up (and close what is still open) this long after the last socket opened. */
  untilMs: number;
  /** Sent by the slow-headers and slow-body requests, as a real client would. */
  authorization: string;
}

export interface SlowSocketReport {
  kind: SlowKind;
  /** From connected to closed by the proxy; undefined when it was still open at untilMs. */
  lifetimeMs: number | undefined;
  /** The first line the proxy wrote ('' for none). */
  statusLine: string;
  /** Everything the proxy wrote (at most 2 KB), for the secrets scan. */
  received: string;
  error: string | undefined;
}

export interface SlowAttackResult {
  /** From the first connect to the last. */
  openedInMs: number;
  /** Date.now() at the first connect, and when the last socket had closed (or at untilMs). */
  startedAt: number;
  endedAt: number;
  sockets: SlowSocketReport[];
}
