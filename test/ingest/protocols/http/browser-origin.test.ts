import { describe, expect, it } from 'vitest';
import { browserOrigin } from '#ingest/protocols/http/browser-origin.js';

const h = (fields: Record<string, string>) => Object.entries(fields).map(([name, value]) => ({ name, value }));

describe('browserOrigin', () => {
  it.each([
    ['no browser headers (curl)', { Host: 'sg.example:8080' }, { crossSite: false, https: false }],
    ['the page itself over HTTP', { Host: 'sg.example:8080', Origin: 'http://sg.example:8080', 'Sec-Fetch-Site': 'same-origin' }, { crossSite: false, https: false }],
    ['the page over HTTPS behind a TLS front', { Host: 'sg.example:8443', Origin: 'https://sg.example:8443' }, { crossSite: false, https: true }],
    ['default ports on either side', { Host: 'SG.example:443', Origin: 'https://sg.example' }, { crossSite: false, https: true }],
    ['another site', { Host: 'sg.example:8080', Origin: 'http://evil.example' }, { crossSite: true, https: false }],
    ['another port', { Host: 'sg.example:8080', Origin: 'http://sg.example:9000' }, { crossSite: true, https: false }],
    ['an opaque origin', { Host: 'sg.example', Origin: 'null' }, { crossSite: true, https: false }],
    ['another scheme', { Host: 'sg.example', Origin: 'file://sg.example' }, { crossSite: true, https: false }],
    ['fetch metadata says cross-site', { Host: 'sg.example', 'Sec-Fetch-Site': 'cross-site' }, { crossSite: true, https: false }],
    ['fetch metadata says same-site (a sibling host)', { Host: 'sg.example', 'Sec-Fetch-Site': 'same-site' }, { crossSite: true, https: false }],
    ['typed into the address bar', { Host: 'sg.example', 'Sec-Fetch-Site': 'none' }, { crossSite: false, https: false }],
    ['an Origin but no Host', { Origin: 'http://sg.example' }, { crossSite: true, https: false }],
  ])('%s', (_name, fields, expected) => expect(browserOrigin(h(fields))).toEqual(expected));
});
