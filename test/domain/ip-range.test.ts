import { describe, expect, it } from 'vitest';
import { ipInRange, parseIp, parseIpRange } from '#domain/ip-range.js';

const hex = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString('hex') : undefined);

describe('parseIp', () => {
  it.each([
    ['1.2.3.4', '00000000000000000000ffff01020304'],
    ['::ffff:1.2.3.4', '00000000000000000000ffff01020304'],
    ['::', '00000000000000000000000000000000'],
    ['::1', '00000000000000000000000000000001'],
    ['2001:db8::', '20010db8000000000000000000000000'],
    ['2001:DB8:0:0:0:0:0:1', '20010db8000000000000000000000001'],
    ['fe80::1:2', 'fe800000000000000000000000010002'],
  ])('parses %s', (text, bytes) => expect(hex(parseIp(text))).toBe(bytes));

  it.each(['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.x', ':::', '1::2::3', '1:2:3:4:5:6:7:8:9', '12345::', 'fe80::1%eth0', '[::1]', '1:2:3:4:5:6:7'])(
    'refuses %j',
    (text) => expect(parseIp(text)).toBeUndefined(),
  );
});

describe('parseIpRange and ipInRange', () => {
  it('writes ranges back canonically and treats a bare address as one host', () => {
    expect(parseIpRange('10.0.0.0/8')?.text).toBe('10.0.0.0/8');
    expect(parseIpRange('2001:DB8::/32')?.text).toBe('2001:db8::/32');
    expect(parseIpRange('192.0.2.7')?.text).toBe('192.0.2.7/32');
  });
  it.each(['10.0.0.1/8', '10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/x', 'nope/8', '10.0.0.0/08a'])('refuses %j', (text) =>
    expect(parseIpRange(text)).toBeUndefined(),
  );
  it.each([
    ['10.0.0.0/8', '10.255.1.2', true],
    ['10.0.0.0/8', '11.0.0.1', false],
    ['0.0.0.0/0', '8.8.8.8', true],
    ['0.0.0.0/0', '2001:db8::1', false],
    ['192.0.2.7', '192.0.2.7', true],
    ['192.0.2.7', '192.0.2.8', false],
    ['2001:db8::/32', '2001:db8:ffff::1', true],
    ['2001:db8::/32', '2001:db9::1', false],
    ['::/0', '1.2.3.4', true],
  ])('%s contains %s: %s', (range, ip, ok) => expect(ipInRange(ip, parseIpRange(range)!)).toBe(ok));
});
