/**
 * CPU µs per HLS request on the ingest's request path, in one process (no sockets): the bytes of a
 * browser's playlist or segment request (hls.js in Chromium: 11 header fields) parsed by
 * HttpRequestParser and routed by routeHttpRequest, as HttpConnection does for each request.
 *
 *   node --import tsx bench/http-request-cost.ts [--requests 200000] [--rounds 5]
 */
import { parseArgs } from 'node:util';
import { HttpRequestParser } from '#ingest/protocols/http/http-request-parser.js';
import { routeHttpRequest } from '#ingest/protocols/http/http-route.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '5' } } });
const requests = Number(values.requests);
const browserHeads = (path: string): Buffer =>
  Buffer.from(
    [
      `GET ${path} HTTP/1.1`,
      'Host: 127.0.0.1:8080',
      'Connection: keep-alive',
      'sec-ch-ua-platform: "Linux"',
      'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      'sec-ch-ua: "Chromium";v="131", "Not_A Brand";v="24"',
      'sec-ch-ua-mobile: ?0',
      'Accept: */*',
      'Origin: http://127.0.0.1:8080',
      'Sec-Fetch-Site: same-origin',
      'Referer: http://127.0.0.1:8080/?stream=bench',
      'Accept-Encoding: gzip, deflate, br, zstd',
      '',
      '',
    ].join('\r\n'),
    'latin1',
  );
const heads = [browserHeads('/live/bench/index.m3u8'), browserHeads('/live/bench/1234.ts')];
const parser = new HttpRequestParser();
let sink = 0;
for (let round = 0; round < Number(values.rounds); round++) {
  const t0 = process.cpuUsage();
  for (let i = 0; i < requests; i++) {
    for (const req of parser.push(heads[i & 1]!)) sink += routeHttpRequest(req).kind.length;
  }
  const t = process.cpuUsage(t0);
  console.log(JSON.stringify({ round, requests, usPerRequest: Math.round(((t.user + t.system) / requests) * 100) / 100 }));
}
if (sink === 0) console.log('no requests');
