import { describe, expect, it } from 'vitest';
import { parseRelayUrl } from '#domain/relay-url.js';
import { srtEndpoint } from '#domain/srt-endpoint.js';

const endpoint = (text: string) => srtEndpoint(parseRelayUrl(text));

describe('SRT relay URLs', () => {
  it('reads host, port (default 8890), stream id, passphrase, key length and latency in ms', () => {
    expect(endpoint('srt://example.com?streamid=publish:live/cam1')).toEqual({ host: 'example.com', port: 8890, streamId: 'publish:live/cam1', keyLength: 16, latencyMs: 120 });
    expect(endpoint('srt://10.0.0.1:9000?streamid=a&passphrase=0123456789&pbkeylen=32&latency=500&mode=caller')).toEqual({
      host: '10.0.0.1',
      port: 9000,
      streamId: 'a',
      passphrase: '0123456789',
      keyLength: 32,
      latencyMs: 500,
    });
  });

  it.each([
    ['srt://h:1?mode=listener', /mode=caller/],
    ['srt://h:1?passphrase=short', /10-79/],
    ['srt://h:1?pbkeylen=20', /16, 24 or 32/],
    ['srt://h:1?latency=5', /20-8000/],
    ['srt://h:1?latency=120000', /20-8000/],
  ])('refuses %s', (text, message) => {
    expect(() => endpoint(text)).toThrow(message);
  });
});
