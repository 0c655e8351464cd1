import { encodeStreamPath } from '../player/stream-url-path.js';

/** One way to play a stream, with the URL to copy. */
export interface PlayUrl {
  readonly protocol: string;
  readonly url: string;
}

/**
 * The play URL of `path` for every protocol this server listens on: HTTP-FLV and HLS on the
 * page's own origin (the same listener, or the TLS port in front of it), the others on the page's
 * host name with the bound ports (in AWS the load balancer forwards the same port numbers).
 */
export function playUrls(path: string, ports: Readonly<Record<string, number>>, location: { readonly origin: string; readonly hostname: string }): PlayUrl[] {
  const host = location.hostname.includes(':') ? `[${location.hostname}]` : location.hostname;
  const p = encodeStreamPath(path);
  const urls: PlayUrl[] = [];
  if (ports.rtmp) urls.push({ protocol: 'RTMP', url: `rtmp://${host}:${ports.rtmp}/${p}` });
  if (ports.rtmps) urls.push({ protocol: 'RTMPS', url: `rtmps://${host}:${ports.rtmps}/${p}` });
  if (ports.http) urls.push({ protocol: 'RTMPT', url: `rtmpt://${host}:${ports.http}/${p}` });
  urls.push({ protocol: 'HTTP-FLV', url: `${location.origin}/${p}.flv` });
  urls.push({ protocol: 'HLS', url: `${location.origin}/${p}/index.m3u8` });
  const rtsp = Object.entries(ports)
    .filter(([name]) => /^rtsp\d*$/.test(name))
    .sort(([a], [b]) => (a < b ? -1 : 1))[0];
  if (rtsp) urls.push({ protocol: 'RTSP', url: `rtsp://${host}:${rtsp[1]}/${p}` });
  if (ports.srt) urls.push({ protocol: 'SRT', url: `srt://${host}:${ports.srt}?streamid=read:${path}` });
  return urls;
}
