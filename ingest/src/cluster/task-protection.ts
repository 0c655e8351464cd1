import type { Logger } from '#domain/logger.js';

/** How long one protection call holds (ECS caps it at 2880 min); renewed well before it lapses. */
const PROTECTION_MINUTES = 60;
const RENEW_AFTER_MS = 30 * 60_000;

type FetchFn = (url: string, init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal }) => Promise<{ ok: boolean; status: number }>;

/**
 * ECS task scale-in protection while this task owns publishers: scale-in (and the service's
 * desired-count drops) then pick tasks that only serve players, whose viewers reconnect anywhere,
 * instead of cutting an encoder. Uses the ECS agent endpoint (`$ECS_AGENT_URI/task-protection/v1/state`,
 * which needs `ecs:UpdateTaskProtection` on the task role). `sync(owned)` is cheap to call often:
 * it only calls the agent when the wanted state changes or a protection nears its expiry.
 * Deployments still replace protected tasks after the protection expires (at most 60 min).
 */
export class TaskProtection {
  private protectedSince: number | undefined;
  private inFlight = false;

  constructor(
    private readonly agentUri: string,
    private readonly log: Logger,
    private readonly fetchFn: FetchFn = fetch as unknown as FetchFn,
    private readonly now: () => number = Date.now,
  ) {}

  get isProtected(): boolean {
    return this.protectedSince !== undefined;
  }

  async sync(ownedStreams: number): Promise<void> {
    if (this.inFlight) return;
    const want = ownedStreams > 0;
    const stale = this.protectedSince !== undefined && this.now() - this.protectedSince > RENEW_AFTER_MS;
    if (want === this.isProtected && !stale) return;
    this.inFlight = true;
    try {
      const res = await this.fetchFn(`${this.agentUri}/task-protection/v1/state`, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(want ? { ProtectionEnabled: true, ExpiresInMinutes: PROTECTION_MINUTES } : { ProtectionEnabled: false }),
        signal: AbortSignal.timeout(5000),
      });
      if (!res.ok) throw new Error(`agent answered ${res.status}`);
      this.protectedSince = want ? this.now() : undefined;
      this.log.info('cluster.task-protection', { enabled: want, ownedStreams });
    } catch (err) {
      this.log.warn('cluster.task-protection-error', { enabled: want, err });
    } finally {
      this.inFlight = false;
    }
  }
}
