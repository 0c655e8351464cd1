import type { User, UserGrants } from '#domain/user.js';

/** Fields of a new user (already validated). */
export interface NewUser {
  name: string;
  password: string;
  enabled: boolean;
  grants: UserGrants;
  ipRanges: string[];
}

/** A partial change to a user (already validated); omitted fields stay. */
export interface UserChange {
  enabled?: boolean;
  grants?: UserGrants;
  ipRanges?: string[];
  password?: string;
}

/** One page of users and the opaque cursor of the next page (absent on the last). */
export interface UserPage {
  users: User[];
  nextCursor?: string;
}

/** One page of a re-encryption pass (see UserRepository.reEncryptPasswords). */
export interface ReEncryptPage {
  /** Users looked at on this page. */
  scanned: number;
  /** Users whose password was rewritten under the current key. */
  reEncrypted: number;
  /** Users whose password could not be decrypted with any key of the ring (names and codes only). */
  failed: { name: string; code: string }[];
  nextCursor?: string;
}

/**
 * Where users live. Implementations: DynamoUserRepository. Errors: UserExistsError (create),
 * UserNotFoundError, VersionConflictError (update with a stale `expectedVersion`),
 * ValidationError `cursor` (list with a foreign cursor).
 */
export interface UserRepository {
  /** One key lookup; undefined when absent. */
  get(name: string): Promise<User | undefined>;
  /** One key lookup returning the decrypted password too (token function only). */
  getWithPassword(name: string): Promise<{ user: User; password: string } | undefined>;
  /** Creates; never overwrites an existing user. */
  create(user: NewUser): Promise<User>;
  /**
   * Applies `change` when the stored version equals `expectedVersion`, bumping it; returns
   * the new user.
   */
  update(name: string, change: UserChange, expectedVersion: number): Promise<User>;
  /** Deletes; UserNotFoundError when absent. */
  delete(name: string): Promise<void>;
  /** A page of users in storage order; `limit` 1–100. */
  list(options: { limit: number; cursor?: string }): Promise<UserPage>;
  /**
   * Rewrites the stored passwords of one page of users that are not under the password key
   * ring's current key (after a key was added); call again with `nextCursor` until there is none.
   */
  reEncryptPasswords(options: { limit: number; cursor?: string }): Promise<ReEncryptPage>;
}
