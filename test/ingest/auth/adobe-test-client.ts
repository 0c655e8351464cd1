import { adobeResponse } from '#domain/adobe-auth.js';
import { llnwResponse } from '#domain/llnw-auth.js';

/**
 * What FFmpeg's `handle_connect_error` does with a step-2 description (AUTH-SPEC §3.3): take
 * everything from `?reason=needauth`, split on `&` and the first `=`, no decoding.
 */
export function parseStep2(description: string): Map<string, string> {
  const at = description.indexOf('?reason=');
  if (at < 0) throw new Error(`not a step-2 description: ${description}`);
  return new Map(
    description
      .slice(at + 1)
      .split('&')
      .map((kv) => {
        const eq = kv.indexOf('=');
        return [kv.slice(0, eq), kv.slice(eq + 1)] as [string, string];
      }),
  );
}

/** The step-3 `app` an Adobe client sends back (FFmpeg shape; `librtmp` hashes opaque+challenge). */
export function adobeStep3App(
  app: string,
  description: string,
  user: string,
  password: string,
  opts: { clientChallenge?: string; form?: 'standard' | 'librtmp' } = {},
): string {
  const q = parseStep2(description);
  const c2 = opts.clientChallenge ?? '1a2b3c4d';
  const response = adobeResponse(
    { user, password, salt: q.get('salt')!, challenge: q.get('challenge')!, opaque: q.get('opaque')!, clientChallenge: c2 },
    opts.form ?? 'standard',
  );
  return `${app}?authmod=adobe&user=${user}&challenge=${c2}&response=${response}&opaque=${q.get('opaque')}`;
}

/** The step-3 `app` of FFmpeg's llnw client. */
export function llnwStep3App(app: string, description: string, user: string, password: string, cnonce = 'a1b2c3d4'): string {
  const nonce = parseStep2(description).get('nonce')!;
  const response = llnwResponse({ user, password, nonce, cnonce, nc: '00000001', app });
  return `${app}?authmod=llnw&user=${user}&nonce=${nonce}&cnonce=${cnonce}&nc=00000001&response=${response}`;
}
