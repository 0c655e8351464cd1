import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: every entry path in the bundle options is relative to it. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The Lambda apps, one bundle and one function each. */
export type FunctionName = 'token' | 'acl' | 'users';

/** The shape of infra/bundle-options.json, shared with scripts/build.mjs. */
export interface BundleOptions {
  /** Defines `require` in the ESM bundles for the CommonJS code they contain (AWS SDK). */
  readonly banner: string;
  readonly ingest: { readonly entry: string; readonly target: string; readonly minifyWhitespace: boolean; readonly external: string[] };
  readonly functions: {
    readonly entries: Record<FunctionName, string>;
    readonly target: string;
    readonly mainFields: string[];
    readonly external: string[];
    readonly minify: boolean;
  };
}

/** Reads infra/bundle-options.json, the esbuild options both `npm run build` and CDK use. */
export function loadBundleOptions(): BundleOptions {
  return JSON.parse(readFileSync(join(repoRoot, 'infra', 'bundle-options.json'), 'utf8')) as BundleOptions;
}
