/**
 * Base class of every streamgate error with a code (domain rules, refused protocol input, failed
 * calls to the functions or a relay peer). `code` is stable: tests, logs and the edges key on
 * it; the message is for humans. Always pass `cause` when wrapping another error. A subclass
 * with a closed set of codes names them as `C` and needs no constructor of its own.
 */
export class StreamgateError<C extends string = string> extends Error {
  override readonly name: string = 'StreamgateError';
  constructor(
    readonly code: C,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** TEA ciphertext or secret is malformed (not hex, wrong length, bad UTF-8, short secret). */
export class TeaFormatError extends StreamgateError {
  override readonly name = 'TeaFormatError';
}

/**
 * A value failed validation. `field` names the offending input (a JSON path such as
 * `grants.publish[2]`) so the HTTP edge can answer 400 naming it.
 */
export class ValidationError extends StreamgateError {
  override readonly name = 'ValidationError';
  constructor(
    readonly field: string,
    code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** The named user does not exist. */
export class UserNotFoundError extends StreamgateError {
  override readonly name = 'UserNotFoundError';
  constructor(
    readonly userName: string,
    options?: { cause?: unknown },
  ) {
    super('user_not_found', `user not found: ${userName}`, options);
  }
}

/** A user with that name already exists (create never overwrites). */
export class UserExistsError extends StreamgateError {
  override readonly name = 'UserExistsError';
  constructor(
    readonly userName: string,
    options?: { cause?: unknown },
  ) {
    super('user_exists', `user already exists: ${userName}`, options);
  }
}

/** An update lost an optimistic-concurrency race (the stored `version` moved on). */
export class VersionConflictError extends StreamgateError {
  override readonly name = 'VersionConflictError';
  constructor(
    readonly userName: string,
    readonly expectedVersion: number,
    options?: { cause?: unknown },
  ) {
    super('version_conflict', `user ${userName} changed concurrently (expected version ${expectedVersion})`, options);
  }
}

/** A stored password could not be decrypted (wrong key, tampered item). */
export class PasswordCipherError extends StreamgateError {
  override readonly name = 'PasswordCipherError';
}

/**
 * Configuration is missing or invalid (bad env value, short secret): the one error class for
 * settings in the ingest, the functions and the CLI. `variable` names the setting at fault (an
 * environment variable or a flag) when there is one.
 */
export class ConfigError extends StreamgateError {
  override readonly name = 'ConfigError';
  readonly variable: string | undefined;
  constructor(code: string, message: string, options?: { cause?: unknown; variable?: string }) {
    super(code, message, options);
    this.variable = options?.variable;
  }
}
