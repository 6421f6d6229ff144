// WWW-Authenticate as IIS sends it (one header per provider, joined by Node with ", ") and as RFC 9110 allows it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseChallenges, type Challenge } from '../../../shared/issuers/microsoft-ca/www-authenticate.ts';

const schemes = (field: string | string[]) => parseChallenges(field).map((c) => c.scheme);

describe('parseChallenges', () => {
  it('splits the list Node makes of IIS headers: a bare scheme followed by a comma is a challenge of its own', () => {
    expect(parseChallenges('Negotiate, NTLM, Basic realm="adcs.corp.capf.test"')).toEqual([
      { scheme: 'Negotiate', params: {} },
      { scheme: 'NTLM', params: {} },
      { scheme: 'Basic', params: { realm: 'adcs.corp.capf.test' } },
    ]);
    expect(schemes(['Negotiate', 'NTLM', 'Basic realm="x"'])).toEqual(['Negotiate', 'NTLM', 'Basic']);
    expect(schemes('NTLM,Negotiate')).toEqual(['NTLM', 'Negotiate']);
  });

  it('reads token68 (an NTLM CHALLENGE in base64, with / + and = padding)', () => {
    const token = 'TlRMTVNTUAACAAAADAAMADgAAAAFgomi+/abc==';
    expect(parseChallenges(`NTLM ${token}`)).toEqual([{ scheme: 'NTLM', token68: token, params: {} }]);
    expect(parseChallenges(`Negotiate ${token}, Basic realm="r"`)).toEqual([
      { scheme: 'Negotiate', token68: token, params: {} },
      { scheme: 'Basic', params: { realm: 'r' } },
    ]);
    expect(parseChallenges('NTLM abcd=')).toEqual([{ scheme: 'NTLM', token68: 'abcd=', params: {} }]);
  });

  it('keeps commas inside quoted strings and between auth-params of one challenge', () => {
    expect(parseChallenges('Basic realm="a, b", charset="UTF-8", NTLM')).toEqual([
      { scheme: 'Basic', params: { realm: 'a, b', charset: 'UTF-8' } },
      { scheme: 'NTLM', params: {} },
    ]);
    expect(parseChallenges('Digest realm="x\\"y", nonce=abc, qop="auth,auth-int", Negotiate')).toEqual([
      { scheme: 'Digest', params: { realm: 'x"y', nonce: 'abc', qop: 'auth,auth-int' } },
      { scheme: 'Negotiate', params: {} },
    ]);
    expect(parseChallenges('Basic realm = "spaced" ,  , NTLM')).toEqual([
      { scheme: 'Basic', params: { realm: 'spaced' } },
      { scheme: 'NTLM', params: {} },
    ]);
    expect(parseChallenges('Basic realm=""')).toEqual([{ scheme: 'Basic', params: { realm: '' } }]);
  });

  it('skips what it cannot read without losing the challenges after it', () => {
    expect(schemes('Basic realm="unterminated, NTLM')).toEqual(['Basic']);
    expect(schemes('"junk", NTLM')).toEqual(['NTLM']);
    expect(schemes('Basic @@@, Negotiate')).toEqual(['Basic', 'Negotiate']);
    expect(schemes('')).toEqual([]);
    expect(schemes([])).toEqual([]);
    expect(parseChallenges(undefined)).toEqual([]);
    expect(parseChallenges(Array.from({ length: 100 }, () => 'NTLM').join(', '))).toHaveLength(32);
  });

  it('property: any list of challenges, written as one header or several, reads back', () => {
    const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]{0,11}$/);
    const challenge: fc.Arbitrary<Challenge> = fc.oneof(
      token.map((scheme) => ({ scheme, params: {} })),
      fc.record({ scheme: token, token68: fc.stringMatching(/^[A-Za-z0-9+/]{1,40}={0,2}$/), params: fc.constant({}) }),
      fc.record({
        scheme: token,
        params: fc.dictionary(token.map((n) => n.toLowerCase()), fc.string({ maxLength: 12 }).filter((v) => [...v].every((c) => c >= ' ' && c !== '\x7f')), { minKeys: 1, maxKeys: 3 }),
      }),
    );
    const write = (c: Challenge): string => {
      if (c.token68) return `${c.scheme} ${c.token68}`;
      const params = Object.entries(c.params).map(([k, v]) => `${k}="${v.replace(/["\\]/g, '\\$&')}"`);
      return params.length ? `${c.scheme} ${params.join(', ')}` : c.scheme;
    };
    fc.assert(
      fc.property(fc.array(challenge, { minLength: 1, maxLength: 6 }), fc.boolean(), (list, joined) => {
        const written = list.map(write);
        expect(parseChallenges(joined ? written.join(', ') : written)).toEqual(list);
      }),
      { numRuns: 2_000 },
    );
  });
});
