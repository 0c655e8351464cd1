import type { ChallengeReplayCache } from '#domain/adobe-challenge.js';
import { ExpiringMap } from '#domain/expiring-map.js';

/**
 * In-memory {@link ChallengeReplayCache}: remembers claimed challenge ids until they expire.
 * Per ingest task: a replay that lands on another task within the challenge TTL is not seen
 * (a shared store would be needed for that). When full of live entries it refuses new claims —
 * failing closed rather than forgetting a live id and letting it be replayed.
 */
export class MemoryReplayCache implements ChallengeReplayCache {
  private readonly used: ExpiringMap<string, true>;

  constructor(maxEntries = 10_000) {
    this.used = new ExpiringMap({ maxEntries, whenFull: 'refuse' });
  }

  claim(id: string, expiresAtMs: number, nowMs: number): boolean {
    if (this.used.get(id, nowMs) !== undefined) return false;
    return this.used.set(id, true, expiresAtMs, nowMs);
  }

  /** Ids currently remembered. */
  get size(): number {
    return this.used.size;
  }
}
