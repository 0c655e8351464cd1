import type { Logger } from '#domain/logger.js';
import type { RelayManager } from './relay-manager.js';
import type { RelaysClient } from './relays-client.js';

/**
 * Reads the managed relays every `intervalMs` and applies them, so an added or removed relay
 * takes effect within one interval without a restart. A failed read keeps the relays running as
 * they are (a functions outage does not stop restreams) and is logged once per failure streak.
 */
export function startRelayPoller(client: RelaysClient, manager: RelayManager, intervalMs: number, log: Logger): () => void {
  let stopped = false;
  let failing = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: AbortController | undefined;
  const poll = async (): Promise<void> => {
    inFlight = new AbortController();
    const deadline = setTimeout(() => inFlight?.abort(), Math.max(1000, intervalMs));
    try {
      const definitions = await client.fetch(inFlight.signal);
      if (stopped) return;
      if (failing) log.info('relay.poll-recovered', { relays: definitions.length });
      failing = false;
      manager.setDefinitions(definitions);
    } catch (err) {
      // A poll cut short by stop() is no failure worth a warning at shutdown.
      if (stopped) return;
      if (!failing) log.warn('relay.poll-failed', { code: (err as { code?: string }).code, message: (err as Error).message });
      failing = true;
    } finally {
      clearTimeout(deadline);
      inFlight = undefined;
      if (!stopped) {
        timer = setTimeout(() => void poll(), intervalMs);
        timer.unref();
      }
    }
  };
  void poll();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    inFlight?.abort();
  };
}
