import type { SrtMetricsSnapshot } from '../servers/srt/srt-server.js';
import type { Counter } from './counter.js';
import type { MetricsRegistry } from './metrics-registry.js';

/**
 * Registers the SRT listener's series, read from its snapshot at each scrape:
 * `streamgate_srt_peers{role}`, `streamgate_srt_handshakes_total{result}`,
 * `streamgate_srt_bytes_total{direction}`, `streamgate_srt_packets_total{event}` (retransmitted,
 * recovered, lost, receive_dropped, send_dropped) and `streamgate_srt_key_derivations_total{result}`.
 */
export function registerSrtMetrics(registry: MetricsRegistry, snapshot: () => SrtMetricsSnapshot): void {
  const peers = registry.gauge<'role'>({ name: 'streamgate_srt_peers', help: 'SRT peers connected now, by role', labelNames: ['role'] });
  const handshakes = registry.counter<'result'>({ name: 'streamgate_srt_handshakes_total', help: 'SRT conclusions accepted or refused (with a reject code)', labelNames: ['result'] });
  const bytes = registry.counter<'direction'>({ name: 'streamgate_srt_bytes_total', help: 'UDP payload bytes of SRT peers, in and out', labelNames: ['direction'] });
  const packets = registry.counter<'event'>({
    name: 'streamgate_srt_packets_total',
    help: 'SRT data packets by event: retransmitted (we sent again), recovered (a gap filled), lost (gaps reported), receive_dropped / send_dropped (given up at their play time)',
    labelNames: ['event'],
  });
  const derivations = registry.counter<'result'>({
    name: 'streamgate_srt_key_derivations_total',
    help: 'PBKDF2 key derivations of SRT callers with key material: derived, answered from the cache, or refused (throttled)',
    labelNames: ['result'],
  });
  // The snapshot holds totals since start: each counter is moved up to it.
  const raise = <L extends string>(c: Counter<L>, labels: Record<L, string>, value: number): void => {
    // inc by 0 makes the series exist (a scrape shows 0 rather than nothing).
    c.inc(labels, Math.max(0, value - c.get(labels)));
  };
  registry.onCollect(() => {
    const s = snapshot();
    peers.set({ role: 'publisher' }, s.publishers);
    peers.set({ role: 'player' }, s.players);
    raise(handshakes, { result: 'accepted' }, s.accepted);
    raise(handshakes, { result: 'refused' }, s.refused);
    raise(bytes, { direction: 'in' }, s.totals.bytesIn);
    raise(bytes, { direction: 'out' }, s.totals.bytesOut);
    raise(packets, { event: 'retransmitted' }, s.totals.retransmitted);
    raise(packets, { event: 'recovered' }, s.totals.recovered);
    raise(packets, { event: 'lost' }, s.totals.lost);
    raise(packets, { event: 'receive_dropped' }, s.totals.receiveDropped);
    raise(packets, { event: 'send_dropped' }, s.totals.sendDropped);
    raise(derivations, { result: 'derived' }, s.keyDerivations.derived);
    raise(derivations, { result: 'cached' }, s.keyDerivations.cached);
    raise(derivations, { result: 'throttled' }, s.keyDerivations.throttled);
  });
}
