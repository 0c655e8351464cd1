import { describe, expect, it } from 'vitest';
import { parseApplicationXmlProperties } from '#cli/parse-application-xml-properties.js';
import { parseWowzaPasswordFile } from '#cli/parse-wowza-password-file.js';

describe('parseWowzaPasswordFile', () => {
  it('reads the seed file: comments and blanks skipped, user password pairs kept with line numbers', () => {
    const text = '# Publish password file (format [username][space][password])\n#username password\n\ntestuser 123456\n';
    expect(parseWowzaPasswordFile(text)).toEqual({ entries: [{ line: 4, name: 'testuser', password: '123456' }], rejected: [] });
  });

  it('accepts tabs, CRLF, a BOM and surrounding spaces', () => {
    expect(parseWowzaPasswordFile('\uFEFFa1 p1\r\n  b2\tp2  \r\n').entries).toEqual([
      { line: 1, name: 'a1', password: 'p1' },
      { line: 2, name: 'b2', password: 'p2' },
    ]);
  });

  it('rejects lines without exactly two fields and repeated names, saying which line and why', () => {
    const { entries, rejected } = parseWowzaPasswordFile('alone\nx y z\nok pass1\nok pass2\n');
    expect(entries).toEqual([{ line: 3, name: 'ok', password: 'pass1' }]);
    expect(rejected.map((r) => r.line)).toEqual([1, 2, 4]);
    expect(rejected[0].reason).toMatch(/1 field/);
    expect(rejected[2].reason).toMatch(/duplicate/);
  });
});

describe('parseApplicationXmlProperties', () => {
  it('maps property names to values at any depth, skipping comments and decoding entities', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<Root version="1"><Application><Name>live</Name>
  <Properties>
    <Property><Name>securityPublishRequirePassword</Name><Value>true</Value><Type>Boolean</Type></Property>
    <Property>
      <Name>testuser</Name>
      <Value>myStream</Value>
    </Property>
    <!-- <Property><Name>ghost</Name><Value>hidden</Value></Property> -->
    <Property><Name>amp&amp;user</Name><Value><![CDATA[a<b]]></Value></Property>
  </Properties></Application></Root>`;
    const props = parseApplicationXmlProperties(xml);
    expect(props.get('testuser')).toBe('myStream');
    expect(props.get('securityPublishRequirePassword')).toBe('true');
    expect(props.get('amp&user')).toBe('a<b');
    expect(props.has('ghost')).toBe(false);
  });
});
