import type { Server } from 'node:net';
import type { IngestConfig } from '../config.js';
import type { Authorizer } from '../auth/authorizer.js';
import type { ClusterNode } from '../cluster/cluster-node.js';
import type { Hub } from '../hub/hub.js';
import type { Logger } from '#domain/logger.js';
import type { PendingBytesBudget } from '../protocols/pending-bytes-budget.js';
import type { AddressCounter } from './address-counter.js';
import type { ConnectionRegistry } from './connection-registry.js';
import type { RtmpAccessControl } from './rtmp/rtmp-access-control.js';
import type { RelayStatus } from '#domain/relay-status.js';

/** What every listener of the ingest is built from: one hub, one registry, one logger. */
export interface IngestContext {
  readonly config: IngestConfig;
  readonly hub: Hub;
  readonly registry: ConnectionRegistry;
  readonly log: Logger;
  /** RTMP-shaped access decisions (RTMP, RTMPS, RTMPT). */
  readonly access: RtmpAccessControl;
  /** The authorizer behind `access`, for protocols with their own credential carriers (RTSP). */
  readonly authorizer?: Authorizer;
  /** The relay manager's view (push targets, pull sources), when relays run. */
  readonly relays?: { statuses(): RelayStatus[] };
  /** Partially received data of all connections (STREAMGATE_MAX_PENDING_BYTES); each connection opens an account. */
  readonly pendingBytes: PendingBytesBudget;
  /** Open connections per source address over every public listener and RTMPT session (STREAMGATE_MAX_CONNECTIONS_PER_ADDRESS). */
  readonly connectionsPerAddress: AddressCounter;
  /** This task's part in a cluster (stream registry, leases, edge pulls); absent on a single task. */
  readonly cluster?: ClusterNode;
  /** Shared run state: `draining` turns /healthz to 503 and refuses new publishers. */
  readonly state: { draining: boolean; readonly startedAt: number };
}

/** One listening service of the ingest (a TCP/TLS/HTTP server, or a TCP + UDP pair). */
export interface Listener {
  /** Service name, also the key in `RunningIngest.ports` (`rtmp`, `http`, `rtsp-5554`, …). */
  readonly name: string;
  /** The socket server behind it, when there is one (connection gates go in front of it). */
  readonly server?: Server;
  /** Starts listening; resolves with the bound port. */
  listen(): Promise<number>;
  /** Stops accepting new connections (open ones are handled by the drain). */
  close(): Promise<void>;
}
