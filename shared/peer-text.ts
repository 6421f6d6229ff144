// The one way a value a peer chose (a device name, a certificate subject, a reason, an element's content) enters a log
// line, an error message or a stored status: escaped and capped. A phone may send ~16 KiB of anything in one element;
// echoing it would let any client fill the logs, forge log lines with control characters, or bloat device records.
// Pure: no imports, so the protocol and PKI code may use it.

/** Characters of escaped output kept from a peer-supplied value. */
export const PEER_TEXT_MAX = 64;

/** One code point as it may appear in a log: printable ASCII as is, the rest as \xNN or \u{N}. */
function escapeCodePoint(codePoint: number): string {
  if (codePoint === 0x5c) return '\\\\';
  if (codePoint >= 0x20 && codePoint <= 0x7e) return String.fromCharCode(codePoint);
  if (codePoint <= 0xff) return `\\x${codePoint.toString(16).padStart(2, '0')}`;
  return `\\u{${codePoint.toString(16)}}`;
}

/**
 * `value` with control characters, backslashes and non-ASCII escaped, cut to at most `max` characters of escaped
 * text; a cut value ends with `…(N chars)` giving the original length. Bytes are read as Latin-1 (one char a byte).
 */
export function peerText(value: string | Uint8Array, max = PEER_TEXT_MAX): string {
  const text = typeof value === 'string' ? value : Buffer.from(value.buffer, value.byteOffset, Math.min(value.byteLength, max * 4)).toString('latin1');
  const length = typeof value === 'string' ? value.length : value.byteLength;
  let out = '';
  for (const char of text) {
    const escaped = escapeCodePoint(char.codePointAt(0) as number);
    if (out.length + escaped.length > max) return `${out}…(${length} chars)`;
    out += escaped;
  }
  return length > text.length ? `${out}…(${length} chars)` : out;
}

/** A list of peer-supplied numbers (e.g. unknown element tags), at most `max` of them, with the total when cut. */
export function peerList(values: readonly number[], max = 16): string {
  const shown = values.slice(0, max).join(',');
  return values.length > max ? `${shown},…(${values.length} in all)` : shown;
}
