import { afterEach, describe, expect, it } from 'vitest';
import { Hub } from '#ingest/hub/hub.js';
import { silentLogger } from '#domain/logger.js';
import type { MediaFrame } from '#ingest/media/media-frame.js';
import { HlsOutputs } from '#ingest/servers/http/hls-output.js';
import { syntheticFrames } from '#test/ingest/protocols/flv/synthetic-av.js';
import { sleep } from '#test/support/wait.js';

function hub(): Hub {
  return new Hub({
    gop: { maxBytes: 8 * 1024 * 1024, maxDurationMs: 10_000 },
    reader: { maxQueueBytes: 4 * 1024 * 1024, maxBlockedMs: 10_000 },
    waitForPublisherMs: 30_000,
  });
}

function publisher(h: Hub, path: string) {
  const result = h.publish(path, { id: 'p', protocol: 'test', remoteAddress: '127.0.0.1', kick: () => undefined });
  if (!result.ok) throw new Error('busy');
  return result.publication;
}

/** A frame's decode time (configs: 0, they lead the stream). */
function at(f: MediaFrame): number {
  return 'dts' in f ? f.dts : 0;
}

/** Pushes frames with a tick between batches, as a socket would deliver them. */
async function feed(push: (f: MediaFrame) => void, frames: readonly MediaFrame[]): Promise<void> {
  for (let i = 0; i < frames.length; i++) {
    push(frames[i]!);
    if (i % 10 === 9) await sleep(0);
  }
  await sleep(5);
}

describe('HlsOutputs (HLS on demand per stream)', () => {
  let outputs: HlsOutputs | undefined;
  afterEach(() => outputs?.close());

  it('answers undefined (404) for a stream that is not live and starts nothing', async () => {
    const h = hub();
    outputs = new HlsOutputs(h, silentLogger, { targetDuration: 1, idleMs: 1000, firstSegmentWaitMs: 50, firstPlaylistSegments: 1 });
    expect(await outputs.playlist('live/none')).toBeUndefined();
    expect(outputs.size).toBe(0);
    expect(h.list()).toEqual([]);
  });

  it('subscribes on the first playlist request, starts from the GOP cache and lists segments', async () => {
    const h = hub();
    outputs = new HlsOutputs(h, silentLogger, { targetDuration: 1, idleMs: 5000, firstSegmentWaitMs: 2000, firstPlaylistSegments: 1 });
    const pub = publisher(h, 'live/s');
    const frames = syntheticFrames();
    const pending = outputs.playlist('live/s');
    expect(h.streamInfo('live/s')!.readersByProtocol).toEqual({ hls: 1 });
    await feed((f) => pub.push(f), frames);
    const playlist = await pending;
    expect(playlist).toMatch(/^#EXTM3U\n/);
    const name = /^(\d+\.ts)$/m.exec(playlist!)![1]!;
    expect(outputs.segment('live/s', name)![0]).toBe(0x47);
    expect(outputs.segment('live/s', '999.ts')).toBeUndefined();
    expect(outputs.segment('live/other', name)).toBeUndefined();
  });

  it('serves one ready answer per playlist version and per segment (same buffers for every client, new ETag when the playlist changes)', async () => {
    const h = hub();
    outputs = new HlsOutputs(h, silentLogger, { targetDuration: 1, idleMs: 5000, firstSegmentWaitMs: 2000, firstPlaylistSegments: 1 });
    const pub = publisher(h, 'live/s');
    const frames = syntheticFrames();
    const half = frames.findIndex((f) => at(f) >= 1500);
    expect(outputs.readyPlaylist('live/s')).toBeUndefined(); // not started: the first request goes through playlist()
    const pending = outputs.playlist('live/s');
    await feed((f) => pub.push(f), frames.slice(0, half));
    const text = await pending;
    const first = outputs.readyPlaylist('live/s')!;
    expect(first.body.toString('latin1')).toBe(text);
    expect(outputs.readyPlaylist('live/s')).toBe(first);
    expect(first.head.toString('latin1')).toMatch(new RegExp(`^HTTP/1\\.1 200 OK\r\n[^]*ETag: ${first.etag}\r\n[^]*Content-Length: ${first.body.length}\r\n\r\n$`));
    const name = /^(\d+\.ts)$/m.exec(text!)![1]!;
    const seg = outputs.readySegment('live/s', name)!;
    expect(outputs.readySegment('live/s', name)).toBe(seg);
    expect(seg.body[0]).toBe(0x47);
    expect(seg.notModified.toString('latin1')).toMatch(/^HTTP\/1\.1 304 Not Modified\r\n/);
    await feed((f) => pub.push(f), frames.slice(half));
    const next = outputs.readyPlaylist('live/s')!;
    expect(next).not.toBe(first);
    expect(next.etag).not.toBe(first.etag);
  });

  it('ends the playlist on unpublish and marks a discontinuity when the stream comes back', async () => {
    const h = hub();
    outputs = new HlsOutputs(h, silentLogger, { targetDuration: 1, idleMs: 5000, firstSegmentWaitMs: 2000, firstPlaylistSegments: 1 });
    const frames = syntheticFrames();
    let pub = publisher(h, 'live/r');
    const first = outputs.playlist('live/r');
    await feed((f) => pub.push(f), frames);
    await first;
    pub.end();
    await sleep(5);
    expect(await outputs.playlist('live/r')).toContain('#EXT-X-ENDLIST');
    pub = publisher(h, 'live/r');
    await feed((f) => pub.push(f), frames);
    const again = (await outputs.playlist('live/r'))!;
    expect(again).not.toContain('#EXT-X-ENDLIST');
    expect(again).toContain('#EXT-X-DISCONTINUITY');
  });

  it('holds a new output\'s first playlist until it lists firstPlaylistSegments segments (Chromium rejects one)', async () => {
    const h = hub();
    outputs = new HlsOutputs(h, silentLogger, { targetDuration: 1, idleMs: 5000, firstSegmentWaitMs: 5000, firstPlaylistSegments: 2 });
    const pub = publisher(h, 'live/hold');
    const frames = syntheticFrames();
    let answered: string | undefined;
    const pending = outputs.playlist('live/hold').then((p) => (answered = p));
    await feed((f) => pub.push(f), frames.filter((f) => at(f) < 1500));
    expect(answered).toBeUndefined();
    await feed((f) => pub.push(f), frames.filter((f) => at(f) >= 1500));
    await pending;
    expect(answered!.match(/#EXTINF/g)!.length).toBeGreaterThanOrEqual(2);
  });

  it('serves a shorter first playlist once the publisher has left (no more segments are coming)', async () => {
    const h = hub();
    outputs = new HlsOutputs(h, silentLogger, { targetDuration: 1, idleMs: 5000, firstSegmentWaitMs: 5000, firstPlaylistSegments: 3 });
    const pub = publisher(h, 'live/short');
    const started = Date.now();
    const pending = outputs.playlist('live/short');
    await feed((f) => pub.push(f), syntheticFrames().filter((f) => at(f) < 1200));
    pub.end();
    const playlist = await pending;
    expect(Date.now() - started).toBeLessThan(4000);
    expect(playlist).toContain('#EXT-X-ENDLIST');
    expect(playlist!.match(/#EXTINF/g)!.length).toBeLessThan(3);
  });

  it('unsubscribes from the hub after the idle time without requests', async () => {
    const h = hub();
    outputs = new HlsOutputs(h, silentLogger, { targetDuration: 1, idleMs: 200, firstSegmentWaitMs: 2000, firstPlaylistSegments: 1 });
    const pub = publisher(h, 'live/i');
    const pending = outputs.playlist('live/i');
    await feed((f) => pub.push(f), syntheticFrames());
    await pending;
    expect(outputs.size).toBe(1);
    await sleep(500);
    expect(outputs.size).toBe(0);
    expect(h.streamInfo('live/i')!.readers).toBe(0);
  });
});
