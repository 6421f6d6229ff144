// WWW-Authenticate challenges, read by the RFC 9110 §11.6.1 grammar (docs/online-ca.md): IIS sends one header per
// provider (`Negotiate`, `NTLM`, `Basic realm="..."`) and Node joins repeated headers with ", ", so a list like
// `Negotiate, NTLM, Basic realm="ca"` must be split where a new scheme starts, not at every comma: a bare scheme is
// followed directly by a comma, and a comma inside a quoted realm or between two auth-params starts no challenge.
//
//   challenge  = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//   auth-param = token BWS "=" BWS ( token / quoted-string )
//   token68    = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="

export interface Challenge {
  /** As sent (compare case-insensitively). */
  scheme: string;
  /** The opaque token after the scheme (an NTLM CHALLENGE message in base64). */
  token68?: string;
  /** Parameters by lower-case name, quoted-string values unescaped. */
  params: Record<string, string>;
}

/** More challenges than any real server offers: the rest are ignored. */
const MAX_CHALLENGES = 32;
const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*/;

class Scanner {
  i = 0;
  constructor(readonly s: string) {}

  get done(): boolean {
    return this.i >= this.s.length;
  }
  peek(): string {
    return this.s[this.i] ?? '';
  }
  /** Optional whitespace (OWS / BWS). */
  skipSpace(): number {
    const start = this.i;
    while (this.peek() === ' ' || this.peek() === '\t') this.i += 1;
    return this.i - start;
  }
  token(): string {
    const start = this.i;
    while (!this.done && TCHAR.test(this.peek())) this.i += 1;
    return this.s.slice(start, this.i);
  }
  quoted(): string | undefined {
    let value = '';
    this.i += 1; // the opening quote
    while (!this.done) {
      const c = this.peek();
      this.i += 1;
      if (c === '"') return value;
      if (c === '\\') {
        value += this.peek();
        this.i += 1;
      } else {
        value += c;
      }
    }
    return undefined; // unterminated
  }
  /** After a malformed piece: on to the next comma, so one bad challenge costs no others. */
  skipPastComma(): void {
    while (!this.done && this.peek() !== ',') this.i += 1;
  }
  /** Whether an auth-param (`token BWS "=" BWS` then a value) starts here, not token68 padding; the position is kept. */
  atParam(): boolean {
    const start = this.i;
    let isParam = false;
    if (this.token().length > 0) {
      this.skipSpace();
      if (this.peek() === '=') {
        this.i += 1;
        this.skipSpace();
        isParam = this.peek() === '"' || TCHAR.test(this.peek());
      }
    }
    this.i = start;
    return isParam;
  }
}

function readParams(scan: Scanner, params: Record<string, string>): void {
  for (;;) {
    const name = scan.token();
    scan.skipSpace();
    scan.i += 1; // '=' (atParam checked it)
    scan.skipSpace();
    const value = scan.peek() === '"' ? scan.quoted() : scan.token() || undefined;
    if (value === undefined) return scan.skipPastComma();
    params[name.toLowerCase()] = value;
    scan.skipSpace();
    if (scan.peek() !== ',') return scan.skipPastComma();
    // A comma: another auth-param of this challenge, or the next challenge.
    const comma = scan.i;
    while (scan.peek() === ',' || scan.peek() === ' ' || scan.peek() === '\t') scan.i += 1;
    if (scan.done || !scan.atParam()) {
      scan.i = comma;
      return;
    }
  }
}

/** Every challenge of one or more WWW-Authenticate field values (as Node gives them: one joined string, or several). */
export function parseChallenges(field: string | readonly string[] | undefined): Challenge[] {
  const challenges: Challenge[] = [];
  for (const value of typeof field === 'string' ? [field] : (field ?? [])) {
    const scan = new Scanner(value);
    while (challenges.length < MAX_CHALLENGES) {
      while (scan.peek() === ',' || scan.peek() === ' ' || scan.peek() === '\t') scan.i += 1;
      if (scan.done) break;
      const scheme = scan.token();
      if (!scheme) {
        scan.i += 1;
        scan.skipPastComma();
        continue;
      }
      const challenge: Challenge = { scheme, params: {} };
      challenges.push(challenge);
      const spaces = scan.skipSpace();
      if (scan.done || scan.peek() === ',') continue; // a bare scheme
      if (spaces === 0) {
        scan.skipPastComma();
        continue;
      }
      const token68 = TOKEN68.exec(value.slice(scan.i, scan.i + 16_384))?.[0];
      if (token68 && !scan.atParam()) {
        scan.i += token68.length;
        scan.skipSpace();
        if (scan.done || scan.peek() === ',') {
          challenge.token68 = token68;
          continue;
        }
        scan.skipPastComma();
        continue;
      }
      if (scan.atParam()) readParams(scan, challenge.params);
      else scan.skipPastComma();
    }
  }
  return challenges;
}
