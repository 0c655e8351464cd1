/** Largest Application.xml accepted (characters). */
export const APPLICATION_XML_MAX_CHARS = 4 * 1024 * 1024;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function xmlText(raw: string): string {
  const cdata = /^\s*<!\[CDATA\[([\s\S]*?)\]\]>\s*$/.exec(raw);
  if (cdata) return cdata[1];
  return raw
    .replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (m, e: string) => {
      if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
      if (e.startsWith('#')) return String.fromCodePoint(Number(e.slice(1)));
      return ENTITIES[e] ?? m;
    })
    .trim();
}

/**
 * Reads every `<Property><Name>N</Name><Value>V</Value></Property>` of a Wowza Application.xml
 * (any nesting, `<Type>` ignored, comments skipped) into a name → value map; a later property
 * of the same name wins, as in Wowza. The seed maps a user to its allowed stream this way
 * (`testuser` → `myStream`).
 */
export function parseApplicationXmlProperties(xml: string): Map<string, string> {
  if (xml.length > APPLICATION_XML_MAX_CHARS) throw new Error(`Application.xml larger than ${APPLICATION_XML_MAX_CHARS} characters`);
  const out = new Map<string, string>();
  const body = xml.replace(/<!--[\s\S]*?-->/g, '');
  for (const m of body.matchAll(/<Property\b[^>]*>([\s\S]*?)<\/Property>/gi)) {
    const name = /<Name\b[^>]*>([\s\S]*?)<\/Name>/i.exec(m[1]);
    const value = /<Value\b[^>]*>([\s\S]*?)<\/Value>/i.exec(m[1]);
    if (name && value) out.set(xmlText(name[1]), xmlText(value[1]));
  }
  return out;
}
