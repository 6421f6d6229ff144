// The device CSV (shared/admin/bulk-csv.ts): every kind of bad row refused with its line, nothing accepted from a bad
// file; export lines read back as the same settings; pieces keep the rows' own line numbers.
import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, deviceCsvHeader, deviceCsvLine, parseDeviceCsv, parseNameCsv, splitDeviceCsv } from '../../../shared/admin/bulk-csv.ts';
import type { Device } from '../../../shared/model.ts';

const header = CSV_COLUMNS.join(',');
const refusal = (text: string) => {
  try {
    parseDeviceCsv(text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('accepted');
};

describe('device CSV', () => {
  it('reads BAT-like rows in any column order, quoted cells, CRLF, a BOM, blank lines', () => {
    const text = `\uFEFFTEMPLATE,device name,CAPF Operation,AUTHENTICATION STRING\r\nlab,sep00112233aabb,Troubleshoot,"12,34""5"\r\n\r\n,CSFJSMITH,No Pending Operation,\r\n`;
    expect(parseDeviceCsv(text)).toEqual([
      { line: 2, name: 'SEP00112233AABB', change: { operation: 'fetch', authString: '12,34"5' }, template: 'lab' },
      { line: 4, name: 'CSFJSMITH', change: { operation: 'none' } },
    ]);
  });

  it.each([
    [`${header},COLOUR\n`, 'line 1: unknown column "COLOUR"'],
    ['CAPF OPERATION\nInstall/Upgrade\n', 'line 1: the header has no DEVICE NAME column'],
    ['DEVICE NAME,DEVICE NAME\nA,B\n', 'line 1: column DEVICE NAME appears twice'],
    ['', 'the CSV is empty'],
    [`DEVICE NAME,KEY ORDER\nSEP001122334455,RSA Only,extra\n`, 'line 2: 3 cells, the header has 2'],
    [`DEVICE NAME\nnot a phone\n`, 'line 2: device name "not a phone" is not valid'],
    [`DEVICE NAME,CAPF OPERATION\nSEP001122334455,Upgrade\n`, 'line 2: CAPF OPERATION "Upgrade" is not one of'],
    [`DEVICE NAME,AUTHENTICATION MODE\nSEP001122334455,By Magic\n`, 'line 2: AUTHENTICATION MODE "By Magic"'],
    [`DEVICE NAME,AUTHENTICATION STRING\nSEP001122334455,12\n`, 'line 2: authString must be 4 to 64 characters'],
    [`DEVICE NAME,KEY ORDER\nSEP001122334455,DSA\n`, 'line 2: KEY ORDER "DSA"'],
    [`DEVICE NAME,RSA KEY SIZE (BITS)\nSEP001122334455,1000\n`, 'line 2: RSA KEY SIZE (BITS) "1000" is not one of 1024, 2048, 3072, 4096'],
    [`DEVICE NAME,EC KEY SIZE (BITS)\nSEP001122334455,255\n`, 'line 2: EC KEY SIZE (BITS) "255"'],
    [`DEVICE NAME,OPERATION COMPLETES BY\nSEP001122334455,soon\n`, 'line 2: OPERATION COMPLETES BY "soon" is not a date'],
    [`DEVICE NAME\nSEP001122334455\nsep001122334455\n`, 'line 3: device SEP001122334455 is on line 2 already'],
    [`DEVICE NAME\n"SEP001122334455\n`, 'line 2: a quoted cell is not closed'],
    [`DEVICE NAME\n${'x'.repeat(300)}\n`, 'line 2: a cell is over 256 characters'],
  ])('refuses %j with its line', (text, expected) => {
    expect(refusal(text)).toContain(expected);
  });

  it('reports every bad line at once', () => {
    const message = refusal(`DEVICE NAME,KEY ORDER\nSEP001122334455,DSA\nSEP001122334466,rsa only\nbad!,EC Only\n`);
    expect(message).toMatch(/^2 bad rows, nothing imported: line 2: .*; line 4: /);
  });

  it('export lines import back as the same settings; a passed deadline and the string are left out', () => {
    const now = new Date('2026-12-03T00:00:00Z');
    const device = { name: 'SEP001122334455', operation: 'install', authMode: 'lsc-precedence', keyOrder: 'ec-rsa', rsaKeySize: 3072, curve: 'P-521', completesBy: '2027-01-31T18:00:00.000Z' } as Device;
    const old = { ...device, name: 'SEP001122334466', operation: 'delete', authMode: 'auth-string', completesBy: '2026-01-01T00:00:00.000Z' } as Device;
    const rows = parseDeviceCsv(deviceCsvHeader() + deviceCsvLine(device, now) + deviceCsvLine(old, now));
    expect(rows[0]).toEqual({ line: 2, name: device.name, change: { operation: 'install', authMode: 'lsc-precedence', keyOrder: 'ec-rsa', rsaKeySize: 3072, curve: 'P-521', completesBy: device.completesBy } });
    expect(rows[1]!.change).toEqual({ operation: 'delete', authMode: 'auth-string', keyOrder: 'ec-rsa', rsaKeySize: 3072, curve: 'P-521' });
  });

  it('cuts a file into pieces that keep each row\'s line in the whole file', () => {
    const lines = Array.from({ length: 300 }, (_, i) => `SEP${String(i).padStart(12, '0')},Install/Upgrade`);
    const text = `DEVICE NAME,CAPF OPERATION\n${lines.slice(0, 100).join('\n')}\n\n${lines.slice(100).join('\n')}\n`;
    const pieces = splitDeviceCsv(text, 4000);
    expect(pieces.length).toBeGreaterThan(2);
    expect(pieces.flatMap((p) => p.lines)).toEqual([...Array.from({ length: 100 }, (_, i) => i + 2), ...Array.from({ length: 200 }, (_, i) => i + 103)]);
    for (const piece of pieces) expect(parseDeviceCsv(piece.csv)).toHaveLength(piece.lines.length);
  });
});

describe('the names file of a bulk job', () => {
  it('reads the DEVICE NAME column of a header line, else the first cell of every line', () => {
    expect(parseNameCsv('DEVICE NAME,DESCRIPTION\r\nsep001122334455,lobby\n"SEP00112233445A",desk\n\n')).toEqual(['SEP001122334455', 'SEP00112233445A']);
    expect(parseNameCsv('X,device name\n1,SEP001122334455\n')).toEqual(['SEP001122334455']);
    expect(parseNameCsv('SEP001122334455\nCSFBOB\n')).toEqual(['SEP001122334455', 'CSFBOB']);
  });

  it('refuses bad names with their lines, and a file with none', () => {
    expect(() => parseNameCsv('DEVICE NAME\nSEP001122334455\nnot a phone\nSEP0011\n')).toThrow(/line 3: .*; line 4: /);
    expect(() => parseNameCsv('DEVICE NAME\n')).toThrow(/lists no devices/);
  });
});
