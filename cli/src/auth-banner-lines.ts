import type { IngestConfig } from '#ingest/config.js';

/**
 * The start banner's auth lines: whether publishers and whether players need credentials, with the
 * setting that changes each, so nobody has to guess why a player gets 401 (or why it does not).
 */
export function authBannerLines(config: Pick<IngestConfig, 'auth' | 'playAuth'>): string[] {
  return [
    `  publish auth  ${config.auth === 'on' ? 'on (credentials required)' : 'OFF (STREAMGATE_AUTH=off): anyone may publish'}`,
    `  play auth     ${
      config.playAuth === 'required'
        ? 'on (STREAMGATE_PLAY_AUTH=required): players need a user with a play grant; the player page asks for it'
        : 'off (STREAMGATE_PLAY_AUTH=none): anyone may play; set it to required for play grants'
    }`,
  ];
}
