import type { ChallengeReplayCache } from '#domain/adobe-challenge.js';

/**
 * In-memory {@link ChallengeReplayCache}: remembers claimed challenge ids until they expire.
 * Per ingest task: a replay that lands on another task within the challenge TTL is not seen
 * (a shared store would be needed for that). When full of live entries it refuses new claims —
 * failing closed rather than forgetting a live id and letting it be replayed.
 */
export class MemoryReplayCache implements ChallengeReplayCache {
  private readonly used = new Map<string, number>();

  constructor(private readonly maxEntries = 10_000) {}

  claim(id: string, expiresAtMs: number, nowMs: number): boolean {
    const seen = this.used.get(id);
    if (seen !== undefined && nowMs < seen) return false;
    if (this.used.size >= this.maxEntries) {
      for (const [k, exp] of this.used) if (nowMs >= exp) this.used.delete(k);
      if (this.used.size >= this.maxEntries) return false;
    }
    this.used.set(id, expiresAtMs);
    return true;
  }

  /** Ids currently remembered. */
  get size(): number {
    return this.used.size;
  }
}
