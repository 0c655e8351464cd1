import { describe, expect, it } from 'vitest';
import { createLogger } from '#domain/logger.js';
import { startRelayPoller } from '#ingest/relay/relay-poller.js';
import type { RelayManager } from '#ingest/relay/relay-manager.js';
import type { RelaysClient } from '#ingest/relay/relays-client.js';
import { sleep } from '#test/support/wait.js';

const events = (lines: string[]) => lines.map((l) => (JSON.parse(l) as { event: string }).event);
const manager = (seen: number[]) => ({ setDefinitions: (d: unknown[]) => seen.push(d.length) }) as unknown as RelayManager;

describe('startRelayPoller', () => {
  it('warns once while the relays cannot be read, says when they can again, and hands each answer to the manager', async () => {
    const lines: string[] = [];
    const seen: number[] = [];
    let fail = true;
    const client: RelaysClient = { fetch: async () => (fail ? Promise.reject(Object.assign(new Error('down'), { code: 'relays_unreachable' })) : []) };
    const stop = startRelayPoller(client, manager(seen), 20, createLogger('info', (l) => lines.push(l)));
    await sleep(90);
    fail = false;
    await sleep(60);
    stop();
    expect(events(lines)).toEqual(['relay.poll-failed', 'relay.poll-recovered']);
    expect(seen.length).toBeGreaterThan(0);
  });

  it('logs nothing when stopped during a poll (a shutdown is no failure)', async () => {
    const lines: string[] = [];
    const client: RelaysClient = {
      fetch: (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('The operation was aborted')))),
    };
    const stop = startRelayPoller(client, manager([]), 10_000, createLogger('info', (l) => lines.push(l)));
    await sleep(20);
    stop();
    await sleep(20);
    expect(lines).toEqual([]);
  });
});
