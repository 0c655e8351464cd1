import { createHmac } from 'node:crypto';

/** A cookie stays valid for this bucket and the next (libsrt: one minute). */
export const SRT_COOKIE_PERIOD_MS = 60_000;

/**
 * The SYN cookie of an induction answer (SRT draft §4.3.1, as libsrt does it): a keyed hash of
 * the caller's address and port and the current period, so the listener keeps no state until a
 * conclusion comes back with it.
 */
export function srtSynCookie(secret: Uint8Array, address: string, port: number, now: number): number {
  return cookieFor(secret, address, port, Math.floor(now / SRT_COOKIE_PERIOD_MS));
}

/** Whether `cookie` was minted for this address and port in this period or the previous one. */
export function verifySrtSynCookie(secret: Uint8Array, address: string, port: number, cookie: number, now: number): boolean {
  const period = Math.floor(now / SRT_COOKIE_PERIOD_MS);
  return cookie === cookieFor(secret, address, port, period) || cookie === cookieFor(secret, address, port, period - 1);
}

function cookieFor(secret: Uint8Array, address: string, port: number, period: number): number {
  return createHmac('sha256', secret).update(`${address}|${port}|${period}`).digest().readUInt32BE(0);
}
