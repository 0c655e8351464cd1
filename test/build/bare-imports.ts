/** `import … from "x"` / `export … from "x"` at a statement start: a line start or after `;` or `}`. */
const STATIC_FROM = /(?:^|[;}])[ \t]*(?:import|export)\b[^;'"`]*?\bfrom\s*(["'])([^"'\n]+)\1/gm;
/** `import "x"` (side effects only) at a statement start. */
const SIDE_EFFECT = /(?:^|[;}])[ \t]*import\s*(["'])([^"'\n]+)\1/gm;
/** `import("x")` with a literal specifier. */
const DYNAMIC = /\bimport\(\s*(["'])([^"'\n]+)\1\s*\)/g;

/**
 * The module specifiers an ES module bundle still imports that are not Node built-ins (`node:…`):
 * static `import`/`export … from`, side-effect `import "x"` and `import("x")` calls. Only real
 * statements count, so a string literal holding the word `from` before a quote (`'from', 'x'` in a
 * header list) is not mistaken for an import.
 */
export function bareImports(code: string): string[] {
  return [STATIC_FROM, SIDE_EFFECT, DYNAMIC]
    .flatMap((re) => [...code.matchAll(re)].map((m) => m[2]))
    .filter((spec) => !spec.startsWith('node:'));
}
