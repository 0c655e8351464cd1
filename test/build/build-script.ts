import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Where a bundle went and how big it is. */
export interface BuiltBundle {
  outfile: string;
  bytes: number;
}

/** The API of scripts/build.mjs (plain JavaScript, so typed here). */
export interface BuildScript {
  repoRoot: string;
  functionNames: ('token' | 'acl' | 'users')[];
  buildIngest(options?: { root?: string; outdir?: string }): Promise<BuiltBundle>;
  buildWeb(options?: { root?: string; outdir?: string }): Promise<BuiltBundle[]>;
  buildFunction(name: string, options?: { root?: string; outdir?: string }): Promise<BuiltBundle>;
  buildAll(options?: { root?: string; outdir?: string; only?: 'ingest' | 'web' | 'functions' }): Promise<BuiltBundle[]>;
}

/** Loads scripts/build.mjs, the same module `npm run build` runs. */
export async function loadBuildScript(): Promise<BuildScript> {
  const url = pathToFileURL(resolve(import.meta.dirname, '../../scripts/build.mjs')).href;
  return (await import(url)) as BuildScript;
}
