import { describe, expect, it } from 'vitest';
import { authBannerLines } from '#cli/auth-banner-lines.js';

describe('the start banner\'s auth lines', () => {
  it('say that play auth is off, and which setting turns it on', () => {
    expect(authBannerLines({ auth: 'on', playAuth: 'none' })).toEqual([
      '  publish auth  on (credentials required)',
      '  play auth     off (STREAMGATE_PLAY_AUTH=none): anyone may play; set it to required for play grants',
    ]);
  });

  it('say that play auth is on and what players need', () => {
    expect(authBannerLines({ auth: 'off', playAuth: 'required' })[1]).toBe(
      '  play auth     on (STREAMGATE_PLAY_AUTH=required): players need a user with a play grant; the player page asks for it',
    );
  });
});
