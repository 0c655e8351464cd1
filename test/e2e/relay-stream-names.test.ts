/**
 * Relays name streams the way every protocol does (canonicalStream): a pull publishes under the
 * canonical path players look up, and a push pattern matches every spelling of its streams.
 *
 * On the code before, the relay manager folded names with its own toLowerCase: a pull defined as
 * `Live/Mixed` published the hub path `Live/Mixed`, which no player of `live/mixed` ever got, and
 * a pattern with a decomposed `é` (NFD) never matched the NFC path the hub keys streams by.
 */
import { describe, expect, it } from 'vitest';
import { collectFrames } from '../support/collect-frames.js';
import { relayStatus, useRelayTestbed } from '../support/use-relay-testbed.js';
import { RtmpTestClient } from '../support/rtmp-test-client.js';
import { waitFor } from '../support/wait.js';

const { ingest, publishLive, defer } = useRelayTestbed({ STREAMGATE_RELAY_PULL_IDLE_MS: '500' });

const status = relayStatus;

describe('relay stream names are canonical', () => {
  it('a pull defined as Live/Mixed publishes live/mixed: a player of live/mixed starts it on demand and gets its frames', async () => {
    const origin = await ingest();
    const edge = await ingest();
    await publishLive(origin, 'live/src');
    edge.ingest.relays.setDefinitions([{ id: 'mixed', stream: 'Live/Mixed', pull: `rtmp://127.0.0.1:${origin.ingest.ports.rtmp}/live/src`, mode: 'on-demand' }]);
    expect(status(edge, 'mixed')).toMatchObject({ stream: 'live/mixed', state: 'idle' });
    const { frames, subscription } = collectFrames(edge.ingest.hub, 'live/mixed');
    defer(() => subscription.close());
    await waitFor(() => frames.some((f) => f.kind === 'video'), 10_000, 'pulled video on live/mixed');
    expect(status(edge, 'mixed')!.state).toBe('live');
    expect(edge.ingest.hub.isLive('live/mixed')).toBe(true);
    expect(edge.ingest.hub.list().map((i) => i.path)).not.toContain('Live/Mixed');
  }, 30_000);

  it('a push pattern with upper case and a decomposed é matches the live stream live/café', async () => {
    const t = await ingest();
    // A target nothing listens on: the push only has to be started for the stream.
    t.ingest.relays.setDefinitions([{ id: 'accents', stream: 'LIVE/Cafe\u0301*', push: ['rtmp://127.0.0.1:9/app/{name}'] }]);
    const c = new RtmpTestClient();
    await c.connect(t.rtmpUrl('live'));
    expect((await c.publish('Caf\u00e9-1')).code).toBe('NetStream.Publish.Start');
    defer(() => c.close());
    await waitFor(() => status(t, 'accents') !== undefined, 3000, 'the push to start');
    expect(status(t, 'accents')).toMatchObject({ direction: 'push', stream: 'live/caf\u00e9-1' });
  });

  it('refuses a definition whose stream cannot be a stream name, with RELAY_BAD_STREAM, and runs the others', async () => {
    const t = await ingest();
    t.ingest.relays.setDefinitions([
      { id: 'bad', stream: 'live/../x', pull: 'rtmp://127.0.0.1:9/live/x' },
      { id: 'good', stream: 'live/good', pull: 'rtmp://127.0.0.1:9/live/x' },
    ]);
    expect(t.logs.find((l) => l.event === 'relay.invalid' && l.relay === 'bad')).toMatchObject({ code: 'RELAY_BAD_STREAM', nameError: 'STREAM_NAME_BAD_SEGMENT' });
    expect(status(t, 'bad')).toBeUndefined();
    expect(status(t, 'good')).toMatchObject({ stream: 'live/good' });
  });
});
