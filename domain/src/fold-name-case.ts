/**
 * The one case rule of stream names and grant patterns: lower case (locale-independent
 * `toLowerCase`), then Unicode NFC, so `live/CAM1`, `LIVE/cam1` and a decomposed `é` name the same
 * stream the grants already treat as one. Idempotent: folding a folded name changes nothing.
 */
export function foldNameCase(name: string): string {
  return name.toLowerCase().normalize('NFC');
}
