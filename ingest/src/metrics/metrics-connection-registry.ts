import type { Hub } from '../hub/hub.js';
import type { MetricsSetup } from './metrics-setup.js';
import { ConnectionRegistry } from '../servers/connection-registry.js';

type Totals = Record<string, number>;

function addTo(totals: Totals, key: string, by: number): void {
  totals[key] = (totals[key] ?? 0) + by;
}

/**
 * A ConnectionRegistry that feeds the ingest metrics: bytes of closed connections are banked when
 * they leave, so the byte counters (closed + open) only grow; connection counts, live streams,
 * players and dropped frames are read from the registry and the hub before each scrape.
 */
export class MetricsConnectionRegistry extends ConnectionRegistry {
  private readonly closedIn: Totals = {};
  private readonly closedOut: Totals = {};
  private readonly reported = { in: {} as Totals, out: {} as Totals, opened: {} as Totals };
  private readonly droppedByPath = new Map<string, number>();

  constructor(metrics: MetricsSetup, hub: Hub) {
    super();
    metrics.registry.onCollect(() => this.collect(metrics, hub));
  }

  override remove(id: string): void {
    const e = this.get(id);
    if (e !== undefined) {
      addTo(this.closedIn, e.protocol, e.bytesIn());
      addTo(this.closedOut, e.protocol, e.bytesOut());
    }
    super.remove(id);
  }

  private collect({ ingest: m }: MetricsSetup, hub: Hub): void {
    const bytesIn: Totals = { ...this.closedIn };
    const bytesOut: Totals = { ...this.closedOut };
    for (const e of this.list()) {
      addTo(bytesIn, e.protocol, e.bytesIn());
      addTo(bytesOut, e.protocol, e.bytesOut());
    }
    // Counters take increments: report what grew since the last scrape.
    const advance = (totals: Totals, seen: Totals, inc: (protocol: string, by: number) => void): void => {
      for (const [protocol, total] of Object.entries(totals)) {
        const by = total - (seen[protocol] ?? 0);
        if (by > 0) inc(protocol, by);
        seen[protocol] = Math.max(total, seen[protocol] ?? 0);
      }
    };
    advance(bytesIn, this.reported.in, (protocol, by) => m.bytesReceived.inc({ protocol }, by));
    advance(bytesOut, this.reported.out, (protocol, by) => m.bytesSent.inc({ protocol }, by));
    advance({ ...this.openedByProtocol() }, this.reported.opened, (protocol, by) => m.connectionsTotal.inc({ protocol }, by));
    m.connections.reset();
    for (const [protocol, n] of Object.entries(this.countByProtocol())) m.connections.set({ protocol }, n);

    const streams = hub.list();
    m.liveStreams.set(undefined, streams.filter((s) => s.live).length);
    m.players.reset();
    const players: Totals = {};
    for (const s of streams) for (const [protocol, n] of Object.entries(s.readersByProtocol)) addTo(players, protocol, n);
    for (const [protocol, n] of Object.entries(players)) m.players.set({ protocol }, n);
    // Per-stream drop counts restart when a stream object is recreated; count only growth.
    const seen = new Set<string>();
    for (const s of streams) {
      seen.add(s.path);
      const before = this.droppedByPath.get(s.path) ?? 0;
      if (s.framesDropped > before) m.framesDropped.inc({ protocol: 'any' }, s.framesDropped - before);
      this.droppedByPath.set(s.path, s.framesDropped);
    }
    for (const path of [...this.droppedByPath.keys()]) if (!seen.has(path)) this.droppedByPath.delete(path);
  }
}
