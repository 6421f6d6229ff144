// A CSV file in pieces the admin API takes (POST /v1/device-import: at most 60,000 characters, in a 64 KiB body): each
// piece is the header and whole records (split at line ends outside quotes), with the line of the file its header
// stands for, so the API numbers every row as in the whole file. No DOM here (test/unit/console reads it).

/** Characters of CSV per request: the JSON of a piece (quotes and line ends escaped) stays under the 64 KiB body limit. */
const PIECE_CHARS = 28_000;

export interface CsvPiece {
  csv: string;
  /** The line of the whole file the piece's header stands for (its first row is the next line). */
  firstLine: number;
}

/** Splits the text into records at line ends outside quotes, then packs them after the header into pieces. */
export function csvPieces(text: string, max = PIECE_CHARS): CsvPiece[] {
  if (text.length <= max) return [{ csv: text, firstLine: 1 }];
  const records: { text: string; line: number }[] = [];
  let start = 0;
  let line = 1;
  let recordLine = 1;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (c === '\n') {
      line++;
      if (quoted) continue;
      records.push({ text: text.slice(start, i + 1), line: recordLine });
      start = i + 1;
      recordLine = line;
    }
  }
  if (start < text.length) records.push({ text: `${text.slice(start)}\n`, line: recordLine });
  const header = records.shift()?.text ?? '';
  const pieces: CsvPiece[] = [];
  let current: CsvPiece | undefined;
  for (const record of records) {
    if (current && current.csv.length + record.text.length > max) {
      pieces.push(current);
      current = undefined;
    }
    current ??= { csv: header, firstLine: record.line - 1 };
    current.csv += record.text;
  }
  if (current) pieces.push(current);
  return pieces;
}
