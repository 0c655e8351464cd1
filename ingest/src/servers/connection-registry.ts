import type { Duplex } from 'node:stream';
import { dumpReceivedBytes } from './admin/connection-dump.js';

/** One live connection, as the admin protocol and metrics see it. */
export interface ConnectionEntry {
  readonly id: string;
  readonly protocol: string;
  readonly remoteAddress: string;
  readonly since: number;
  /** Set once known: what the connection publishes or plays. */
  role?: 'publisher' | 'player';
  app?: string;
  stream?: string;
  user?: string;
  bytesIn(): number;
  bytesOut(): number;
  /** Closes the connection (admin kick, shutdown). */
  kick(reason: string): void;
  /** The byte stream, for the opt-in raw-byte dump. */
  readonly socket?: Duplex;
}

/** Every open connection of every listener, by id. */
export class ConnectionRegistry {
  private readonly entries = new Map<string, ConnectionEntry>();
  private next = 1;
  private readonly opened: Record<string, number> = {};
  /** STREAMGATE_DUMP_DIR: when set, what each connection receives is dumped there. */
  dumpDir: string | undefined;

  /** A new unique, short connection id (`c1`, `c2`, …). */
  nextId(): string {
    return `c${this.next++}`;
  }

  add(entry: ConnectionEntry): void {
    this.entries.set(entry.id, entry);
    if (entry.socket !== undefined) dumpReceivedBytes(this.dumpDir, entry.protocol, entry.id, entry.socket);
    this.opened[entry.protocol] = (this.opened[entry.protocol] ?? 0) + 1;
  }

  remove(id: string): void {
    this.entries.delete(id);
  }

  get(id: string): ConnectionEntry | undefined {
    return this.entries.get(id);
  }

  list(): ConnectionEntry[] {
    return [...this.entries.values()];
  }

  /** Open connections per protocol. */
  countByProtocol(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const e of this.entries.values()) out[e.protocol] = (out[e.protocol] ?? 0) + 1;
    return out;
  }

  /** Connections ever opened per protocol (a counter). */
  openedByProtocol(): Readonly<Record<string, number>> {
    return this.opened;
  }

  get size(): number {
    return this.entries.size;
  }
}
