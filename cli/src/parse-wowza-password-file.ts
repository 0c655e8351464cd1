/** One usable line of a Wowza `publish.password` file. */
export interface WowzaPasswordEntry {
  line: number;
  name: string;
  password: string;
}

/** A line we refuse, with its 1-based number and why. */
export interface RejectedLine {
  line: number;
  reason: string;
}

/** Largest password file accepted (bytes of text). */
export const WOWZA_PASSWORD_FILE_MAX_CHARS = 4 * 1024 * 1024;

/**
 * Parses Wowza's `conf/publish.password` format: one `username password` pair per line
 * separated by whitespace, `#` starts a comment line, blank lines ignored. Lines with another
 * number of fields, and repeated names (the first wins), are rejected with a reason. Value
 * rules (name characters, password length) are the server's to check.
 */
export function parseWowzaPasswordFile(text: string): { entries: WowzaPasswordEntry[]; rejected: RejectedLine[] } {
  if (text.length > WOWZA_PASSWORD_FILE_MAX_CHARS) {
    return { entries: [], rejected: [{ line: 0, reason: `file larger than ${WOWZA_PASSWORD_FILE_MAX_CHARS} characters` }] };
  }
  const entries: WowzaPasswordEntry[] = [];
  const rejected: RejectedLine[] = [];
  const seen = new Set<string>();
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const fields = trimmed.split(/\s+/);
    if (fields.length !== 2) {
      rejected.push({ line, reason: `expected "username password", found ${fields.length} field${fields.length === 1 ? '' : 's'}` });
      return;
    }
    const [name, password] = fields;
    if (seen.has(name)) {
      rejected.push({ line, reason: `duplicate user ${name} (first entry kept)` });
      return;
    }
    seen.add(name);
    entries.push({ line, name, password });
  });
  return { entries, rejected };
}
