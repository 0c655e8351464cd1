import { describe, expect, it } from 'vitest';
import { ValidationError } from '#domain/errors.js';
import {
  validateGrants,
  validateIpRanges,
  validatePassword,
  validateUserName,
} from '#domain/validate-user-input.js';

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
  it('accepts an uncommon password of the default minimum of 8', () => expect(validatePassword('t3st-pass')).toBe('t3st-pass'));
  it('refuses the seed password 123456: shorter than 8', () => fails(() => validatePassword('123456'), 'password', 'invalid_length'));
  it('honours a configured minimum length', () => fails(() => validatePassword('t3st-pass', 12), 'password', 'invalid_length'));
  it.each(['password', 'Password1', '12345678', 'qwertyuiop', 'iloveyou'])('refuses the common password %j', (p) => fails(() => validatePassword(p), 'password', 'common_password'));
  it('refuses the user name as password, in any case', () => fails(() => validatePassword('Alice.Smith', 8, 'password', 'alice.smith'), 'password', 'password_is_name'));
  it.each([
    [undefined, 'invalid_type'],
    ['12345', 'invalid_length'],
    ['x'.repeat(65), 'invalid_length'],
    ['abc\u0000defgh', 'invalid_characters'],
    ['abc\ndefgh', 'invalid_characters'],
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
  it('accepts a pattern of a stream below the app (live/studio/cam1), as canonical streams have', () =>
    expect(validateGrants({ publish: ['live/studio/cam1', 'live/studio/*'] })).toEqual({ publish: ['live/studio/cam1', 'live/studio/*'], play: [] }));
  it('defaults missing lists to empty', () => expect(validateGrants(undefined)).toEqual({ publish: [], play: [] }));
  it.each([
    [[], 'grants', 'invalid_type'],
    [{ publish: 'a' }, 'grants.publish', 'invalid_type'],
    [{ publish: ['ok', 7] }, 'grants.publish[1]', 'invalid_type'],
    [{ play: ['a//b'] }, 'grants.play[0]', 'invalid_pattern'],
    [{ play: ['/a'] }, 'grants.play[0]', 'invalid_pattern'],
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
