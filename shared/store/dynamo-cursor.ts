// Opaque page cursors: a query's LastEvaluatedKey as base64url JSON, checked on the way back in (bounded length, only
// the key attributes the query's index has, string values) so a forged cursor is a clear ValidationError rather than a
// store failure or a read outside the query.
import { ValidationError } from '../errors.ts';

const MAX_CURSOR_LENGTH = 2048;

export function encodeCursor(key: Record<string, unknown> | undefined, extra: Record<string, string> = {}): string | undefined {
  if (!key) return undefined;
  return Buffer.from(JSON.stringify({ ...extra, ...key }), 'utf8').toString('base64url');
}

/** The key a cursor carries; `attributes` are exactly the names it must hold (the index's and the table's keys). */
export function decodeCursor(cursor: string | undefined, attributes: readonly string[]): Record<string, string> | undefined {
  if (cursor === undefined) return undefined;
  const invalid = () => new ValidationError('cursor is not one this API returned for this query; start again without it', 'INVALID_CURSOR');
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid();
  const entries = Object.entries(parsed);
  if (entries.length !== attributes.length || entries.some(([name, value]) => !attributes.includes(name) || typeof value !== 'string' || value.length > 512)) {
    throw invalid();
  }
  return parsed as Record<string, string>;
}
