/**
 * The user model shared by the functions (storage, API) and the ACL decision. The password is
 * not part of it: it lives encrypted beside the item and only the token function reads it.
 */

/** Stream grants: patterns `STREAM` (any app) or `APP/STREAM`, `*` wildcards, case-insensitive. */
export interface UserGrants {
  publish: string[];
  play: string[];
}

/** A stored user as the API shows it (never with a password). */
export interface User {
  name: string;
  enabled: boolean;
  grants: UserGrants;
  /** CIDR ranges (v4/v6) the user may connect from; empty = anywhere. */
  ipRanges: string[];
  createdAt: string;
  updatedAt: string;
  /** Optimistic-concurrency counter, starts at 1, +1 per update. */
  version: number;
}

/** Bounds on user fields (AUTH-SPEC §1.3 recommends 5–64 for names; Wowza files have shorter). */
export const USER_LIMITS = {
  nameMin: 1,
  nameMax: 64,
  /** The default and the floor: a configured minimum cannot go below it. */
  passwordMinDefault: 8,
  passwordMax: 64,
  patternMax: 128,
  patternsPerList: 100,
  ipRangesMax: 50,
} as const;
