import type { Server, Socket } from 'node:net';
import type { Logger } from '#domain/logger.js';
import type { PendingBytesBudget } from '../protocols/pending-bytes-budget.js';
import type { AddressCounter } from './address-counter.js';

/** What the gate of one listener checks. */
export interface ConnectionGateOptions {
  /** Listener name, for the log. */
  readonly listener: string;
  /**
   * Open connections per source address: one counter shared by every public listener (and the
   * RTMPT sessions), so one host's cap is over all of them, not per listener.
   */
  readonly perAddress: AddressCounter;
  readonly pendingBytes: PendingBytesBudget;
  readonly log: Logger;
}

/** Least time between two `connection.refused` lines of one listener and code (a flood logs once a second). */
const REFUSAL_LOG_INTERVAL_MS = 1000;

/**
 * Puts an admission check in front of every `connection` handler of `server` (plain TCP, TLS
 * before its handshake, HTTP): a socket from an address that already has the maximum of open
 * connections in `perAddress` (TOO_MANY_CONNECTIONS_FROM_ADDRESS), or arriving while the
 * process-wide pending-bytes budget is exhausted (PENDING_BYTES_BUDGET_EXHAUSTED), is destroyed
 * before any handler sees it. Call it after the server's handlers are attached.
 */
export function gateConnections(server: Server, options: ConnectionGateOptions): void {
  const handlers = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  const perAddress = options.perAddress;
  const lastLogged = new Map<string, number>();
  const refusedSinceLog = new Map<string, number>();
  const refuse = (socket: Socket, code: string): void => {
    socket.destroy();
    const now = Date.now();
    const n = (refusedSinceLog.get(code) ?? 0) + 1;
    if (now - (lastLogged.get(code) ?? 0) < REFUSAL_LOG_INTERVAL_MS) {
      refusedSinceLog.set(code, n);
      return;
    }
    lastLogged.set(code, now);
    refusedSinceLog.set(code, 0);
    options.log.warn('connection.refused', { listener: options.listener, code, remote: socket.remoteAddress, refused: n });
  };
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    if (options.pendingBytes.exhausted) return refuse(socket, 'PENDING_BYTES_BUDGET_EXHAUSTED');
    if (!perAddress.tryAdd(address)) return refuse(socket, 'TOO_MANY_CONNECTIONS_FROM_ADDRESS');
    socket.once('close', () => perAddress.remove(address));
    for (const handler of handlers) handler.call(server, socket);
  });
}
