// The console sends a large CSV file in pieces, each with the header and the line its header stands for: the API's
// parser reads every piece to the same rows, with the same line numbers, as the whole file.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvPieces } from '../../../cli/console/client/csv-pieces.ts';
import { parseDeviceCsv } from '../../../shared/admin/bulk-csv.ts';

const HEADER = 'DEVICE NAME,CAPF OPERATION,AUTHENTICATION MODE,TEMPLATE';

function rowsOf(text: string): { line: number; name: string; template?: string }[] {
  return parseDeviceCsv(text).map((row) => ({ line: row.line, name: row.name, ...(row.template ? { template: row.template } : {}) }));
}

describe('console CSV pieces', () => {
  it('sends a small file whole', () => {
    expect(csvPieces(`${HEADER}\nSEP001122334455,,,\n`)).toEqual([{ csv: `${HEADER}\nSEP001122334455,,,\n`, firstLine: 1 }]);
  });

  it('splits at line ends outside quotes, each piece with the header, rows keeping their line numbers', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ quoted: fc.boolean(), blank: fc.boolean(), crlf: fc.boolean() }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 60, max: 400 }),
        (shapes, max) => {
          const lines = shapes.map((shape, i) => {
            const name = `SEP${String(i).padStart(12, '0')}`;
            const template = shape.quoted ? '"lab,\nphones"' : 'lab';
            return `${shape.blank ? (shape.crlf ? '\r\n' : '\n') : ''}${name},Install/Upgrade,By Null String,${template}${shape.crlf ? '\r\n' : '\n'}`;
          });
          const text = `${HEADER}\n${lines.join('')}`;
          const pieces = csvPieces(text, max);
          const fromPieces = pieces.flatMap((piece) => parseDeviceCsv(piece.csv, piece.firstLine).map((row) => ({ line: row.line, name: row.name, ...(row.template ? { template: row.template } : {}) })));
          expect(fromPieces).toEqual(rowsOf(text));
          for (const piece of pieces) expect(piece.csv.startsWith(`${HEADER}\n`)).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });
});
