import type { RelayStatus } from '#domain/relay-status.js';
import type { MetricsRegistry } from './metrics-registry.js';

type RelayLabel = 'relay' | 'link' | 'direction' | 'stream';

/**
 * Per-link relay metrics, set from the manager's statuses at every render: state (one series
 * per link with a `state` and `error` label, value 1), bytes, uptime, connects, failures and
 * frames dropped. URLs never appear (the link id and relay id name them).
 */
export function registerRelayMetrics(registry: MetricsRegistry, statuses: () => readonly RelayStatus[]): void {
  const labelNames = ['relay', 'link', 'direction', 'stream'] as const;
  const state = registry.gauge<RelayLabel | 'state' | 'error'>({
    name: 'streamgate_relay_state',
    help: 'Relay link state (value 1; labels state and last error code)',
    labelNames: [...labelNames, 'state', 'error'],
    maxSeries: 2000,
  });
  const bytes = registry.gauge<RelayLabel>({ name: 'streamgate_relay_bytes', help: 'Bytes sent to a push target or received from a pull source', labelNames, maxSeries: 2000 });
  const uptime = registry.gauge<RelayLabel>({ name: 'streamgate_relay_uptime_seconds', help: 'Seconds the current relay connection is live (0 when not)', labelNames, maxSeries: 2000 });
  const connects = registry.gauge<RelayLabel>({ name: 'streamgate_relay_connects', help: 'Relay connections that went live', labelNames, maxSeries: 2000 });
  const failures = registry.gauge<RelayLabel>({ name: 'streamgate_relay_failures', help: 'Relay connections that failed or dropped', labelNames, maxSeries: 2000 });
  const dropped = registry.gauge<RelayLabel>({ name: 'streamgate_relay_frames_dropped', help: 'Frames a push target could not take (dropped to the next keyframe)', labelNames, maxSeries: 2000 });
  registry.onCollect(() => {
    for (const g of [state, bytes, uptime, connects, failures, dropped]) g.reset();
    const now = Date.now();
    for (const s of statuses()) {
      const labels = { relay: s.relay, link: s.id, direction: s.direction, stream: s.stream };
      state.set({ ...labels, state: s.state, error: s.lastError?.code ?? '' }, 1);
      bytes.set(labels, s.bytes);
      uptime.set(labels, s.liveSince === undefined ? 0 : (now - s.liveSince) / 1000);
      connects.set(labels, s.connects);
      failures.set(labels, s.failures);
      dropped.set(labels, s.framesDropped);
    }
  });
}
