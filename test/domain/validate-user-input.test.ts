import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../domain/src/errors.js';
import {
  validateGrants,
  validateIpRanges,
  validatePassword,
  validateUserName,
} from '../../domain/src/validate-user-input.js';

const fails = (fn: () => unknown, field: string, code: string) => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({ field, code });
    return;
  }
  throw new Error('expected a ValidationError');
};

describe('validateUserName', () => {
  it('accepts letters, digits, dot, underscore and dash', () => expect(validateUserName('Test.user_1-x')).toBe('Test.user_1-x'));
  it.each([
    [42, 'invalid_type'],
    ['', 'invalid_length'],
    ['a'.repeat(65), 'invalid_length'],
    ['bad name', 'invalid_characters'],
    ['émile', 'invalid_characters'],
    ['a/b', 'invalid_characters'],
  ])('refuses %j with %s naming the field', (name, code) => fails(() => validateUserName(name), 'name', code));
});

describe('validatePassword', () => {
  it('accepts the seed password 123456 at the default minimum of 6', () => expect(validatePassword('123456')).toBe('123456'));
  it('honours a configured minimum length', () => fails(() => validatePassword('123456', 8), 'password', 'invalid_length'));
  it.each([
    [undefined, 'invalid_type'],
    ['12345', 'invalid_length'],
    ['x'.repeat(65), 'invalid_length'],
    ['abc\u0000def', 'invalid_characters'],
    ['abc\ndef', 'invalid_characters'],
    [' leading', 'invalid_characters'],
    ['trailing ', 'invalid_characters'],
  ])('refuses %j with %s', (pw, code) => fails(() => validatePassword(pw), 'password', code));
});

describe('validateGrants', () => {
  it('strips queries, keeps case for display and drops case-insensitive duplicates', () => {
    expect(validateGrants({ publish: ['myStream?x=1', 'MYSTREAM', 'live/cam*'], play: ['*'] })).toEqual({
      publish: ['myStream', 'live/cam*'],
      play: ['*'],
    });
  });
  it('defaults missing lists to empty', () => expect(validateGrants(undefined)).toEqual({ publish: [], play: [] }));
  it.each([
    [[], 'grants', 'invalid_type'],
    [{ publish: 'a' }, 'grants.publish', 'invalid_type'],
    [{ publish: ['ok', 7] }, 'grants.publish[1]', 'invalid_type'],
    [{ play: ['a/b/c'] }, 'grants.play[0]', 'invalid_pattern'],
    [{ play: ['sp ace'] }, 'grants.play[0]', 'invalid_pattern'],
    [{ play: ['?only'] }, 'grants.play[0]', 'invalid_length'],
    [{ publish: Array(101).fill('a') }, 'grants.publish', 'too_many'],
    [{ admin: [] }, 'grants.admin', 'unknown_field'],
  ])('refuses %j naming %s', (g, field, code) => fails(() => validateGrants(g), field, code));
});

describe('validateIpRanges', () => {
  it('returns canonical ranges', () => expect(validateIpRanges(['10.0.0.0/8', '2001:DB8::/32'])).toEqual(['10.0.0.0/8', '2001:db8::/32']));
  it('names the bad entry', () => fails(() => validateIpRanges(['10.0.0.0/8', '10.0.0.1/8']), 'ipRanges[1]', 'invalid_cidr'));
  it('refuses a non-array', () => fails(() => validateIpRanges('10.0.0.0/8'), 'ipRanges', 'invalid_type'));
});
