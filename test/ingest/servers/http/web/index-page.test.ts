import { describe, expect, it } from 'vitest';
import { PLAYER_SCRIPT, indexPage } from '../../../../../ingest/src/servers/http/web/index-page.js';

interface Stubs {
  video: { src: string; played: number; canPlayType(t: string): string; play(): Promise<void> };
  status: { textContent: string };
  submit?: (e: { preventDefault(): void }) => void;
  form: { elements: { app: { value: string }; stream: { value: string } } };
  hlsCalls: string[];
}

/** Runs the page script against stub DOM objects, as a browser with or without HLS support would. */
function run(search: string, nativeHls: boolean, withHlsJs: boolean): Stubs {
  const stubs: Stubs = {
    video: {
      src: '',
      played: 0,
      canPlayType: (t) => (nativeHls && t === 'application/vnd.apple.mpegurl' ? 'maybe' : ''),
      play() {
        this.played++;
        return Promise.resolve();
      },
    },
    status: { textContent: '' },
    form: { elements: { app: { value: 'live' }, stream: { value: '' } } },
    hlsCalls: [],
  };
  const form = { ...stubs.form, addEventListener: (_: string, fn: Stubs['submit']) => (stubs.submit = fn) };
  stubs.form = form;
  const elements: Record<string, unknown> = { video: stubs.video, status: stubs.status, form };
  class Hls {
    static isSupported() {
      return true;
    }
    loadSource(url: string) {
      stubs.hlsCalls.push(`load ${url}`);
    }
    attachMedia() {
      stubs.hlsCalls.push('attach');
    }
    destroy() {
      stubs.hlsCalls.push('destroy');
    }
  }
  const window = {
    URLSearchParams,
    location: { search, origin: 'http://example:8080' },
    ...(withHlsJs ? { Hls } : {}),
  };
  const document = { getElementById: (id: string) => elements[id] };
  new Function('window', 'document', PLAYER_SCRIPT)(window, document);
  return stubs;
}

describe('index page', () => {
  it('plays the stream named in the query with native HLS when the browser has it', () => {
    const s = run('?app=live&stream=cam%201', true, false);
    expect(s.video.src).toBe('/live/cam%201/index.m3u8');
    expect(s.video.played).toBe(1);
    expect(s.status.textContent).toContain('native HLS');
  });

  it('prefers hls.js when it is loaded and replaces the previous player on a new submit', () => {
    const s = run('?stream=a', true, true);
    expect(s.hlsCalls).toEqual(['load /live/a/index.m3u8', 'attach']);
    s.form.elements.stream.value = 'b';
    s.submit!({ preventDefault() {} });
    expect(s.hlsCalls).toEqual(['load /live/a/index.m3u8', 'attach', 'destroy', 'load /live/b/index.m3u8', 'attach']);
    expect(s.video.src).toBe('');
  });

  it('explains how to play over HTTP-FLV when neither native HLS nor hls.js is there', () => {
    const s = run('?stream=x', false, false);
    expect(s.video.src).toBe('');
    expect(s.status.textContent).toContain('ffplay http://example:8080/live/x.flv');
  });

  it('waits for a stream name before playing', () => {
    const s = run('', true, false);
    expect(s.video.played).toBe(0);
    s.submit!({ preventDefault() {} });
    expect(s.status.textContent).toMatch(/stream name/);
  });

  it('loads hls.js only when a URL is configured, escaped into the attribute', () => {
    expect(indexPage()).not.toContain('<script src=');
    const page = indexPage({ hlsJsUrl: '/assets/hls.min.js?v="1"&x', defaultApp: 'a<b' });
    expect(page).toContain('<script src="/assets/hls.min.js?v=&quot;1&quot;&amp;x"></script>');
    expect(page).toContain('value="a&lt;b"');
    expect(page).toContain('<video id="video"');
    expect(page).toContain(PLAYER_SCRIPT);
  });
});
