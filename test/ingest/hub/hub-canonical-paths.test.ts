import { describe, expect, it } from 'vitest';
import { StreamNameError } from '#domain/canonical-stream.js';
import { Hub } from '#ingest/hub/hub.js';
import type { ReaderSink } from '#ingest/hub/reader-sink.js';

const hub = () =>
  new Hub({ gop: { maxBytes: 1_000_000, maxDurationMs: 10_000 }, reader: { maxQueueBytes: 1_000_000, maxBlockedMs: 10_000 }, waitForPublisherMs: 30_000 });
const publisher = (id: string) => ({ id, protocol: 'test', remoteAddress: '127.0.0.1', kick: () => {} });
const sink = (id: string): ReaderSink => ({ id, protocol: 'test', onPublish: () => {}, write: () => true, onUnpublish: () => {}, onEnd: () => {} });

describe('Hub keys streams by their canonical path', () => {
  it('builds paths with canonicalStream from any split', () => {
    expect(Hub.path('live/Carol-X', 'feed')).toBe('live/carol-x/feed');
    expect(Hub.path('LIVE', 'carol-x/Feed')).toBe('live/carol-x/feed');
  });

  it('treats every spelling of a path as one stream', () => {
    const h = hub();
    const first = h.publish('LIVE/Cam1', publisher('a'));
    expect(first.ok && first.publication.path).toBe('live/cam1');
    const second = h.publish('live/CAM1', publisher('b'));
    expect(second).toMatchObject({ ok: false, reason: 'already-publishing' });
    h.subscribe('Live/cam1', sink('r'));
    expect(h.isLive('live/cam1')).toBe(true);
    expect(h.readerCount('LIVE/CAM1')).toBe(1);
    expect(h.streamInfo('live/Cam1')?.path).toBe('live/cam1');
    expect(h.list().map((s) => s.path)).toEqual(['live/cam1']);
  });

  it('refuses to publish or subscribe a path that cannot be canonical, and finds nothing under it', () => {
    const h = hub();
    expect(() => h.publish('live/../x', publisher('a'))).toThrow(StreamNameError);
    expect(() => h.subscribe('live', sink('r'))).toThrow(StreamNameError);
    expect(h.isLive('live//x')).toBe(false);
    expect(h.drop('nothing')).toBe(false);
    expect(h.list()).toEqual([]);
  });
});
