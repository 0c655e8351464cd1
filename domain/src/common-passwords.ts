/**
 * The most common passwords of 8 characters or more (shorter ones fail the length rule anyway),
 * taken from the published top lists of leaked passwords (NCSC "100k most common", SecLists
 * top-10k). Small on purpose: it stops the passwords a guesser tries first, not weak passwords
 * in general. Compared case-insensitively.
 */
const COMMON_PASSWORDS: readonly string[] = [
  '12345678', '123456789', '1234567890', '12345678910', '123123123', '987654321', '11111111', '111111111',
  '1111111111', '00000000', '000000000', '0000000000', '88888888', '99999999', '12341234', '11223344',
  '12121212', '123454321', '147258369', '159753456', '1q2w3e4r', '1q2w3e4r5t', '1q2w3e4r5t6y', 'q1w2e3r4',
  'q1w2e3r4t5', '1qaz2wsx', '1qaz2wsx3edc', 'zaq12wsx', 'zaq1zaq1', 'qazwsxedc', 'qwertyuiop', 'qwerty123',
  'qwerty12', 'qwerty1234', 'qwertyui', 'asdfghjkl', 'asdfasdf', 'asdf1234', 'zxcvbnm1', 'zxcvbnm123',
  'password', 'password1', 'password12', 'password123', 'password1234', 'password!', 'passw0rd', 'p@ssw0rd',
  'p@ssword', 'pa$$word', 'passpass', 'passport', 'iloveyou', 'iloveyou1', 'iloveyou2', 'sunshine',
  'sunshine1', 'princess', 'princess1', 'football', 'football1', 'baseball', 'basketball', 'superman',
  'batman123', 'starwars', 'whatever', 'trustno1', 'welcome1', 'welcome123', 'letmein1', 'letmein123',
  'abc12345', 'abcd1234', 'abcdefgh', 'abcdefg1', 'aa123456', 'a1234567', 'a12345678', 'qwe12345',
  'qweasdzxc', 'charlie1', 'michael1', 'jennifer', 'jordan23', 'computer', 'internet', 'midnight',
  'master12', 'mustang1', 'shadow12', 'monkey12', 'dragon12', 'chocolate', 'butterfly', 'liverpool',
  'chelsea1', 'arsenal1', 'danielle', 'jessica1', 'michelle', 'samantha', 'elephant', 'hello123',
  'hellokitty', 'lovely12', 'loveme12', 'babygirl1', 'blink182', 'changeme', 'changeme1', 'default1',
  'administrator', 'admin123', 'admin1234', 'adminadmin', 'rootroot', 'root1234', 'test1234', 'testtest',
  'testing1', 'testing123', 'secret12', 'secret123', 'letmeinnow', 'whatever1', 'freedom1', 'azerty123',
  'azertyuiop', 'qwertz123', 'zxcvbnm12', 'streaming', 'livestream', 'streamgate',
];

const SET = new Set(COMMON_PASSWORDS.map((p) => p.toLowerCase()));

/** True when `password` is on the shipped list of the most common passwords (any case). */
export function isCommonPassword(password: string): boolean {
  return SET.has(password.toLowerCase());
}
