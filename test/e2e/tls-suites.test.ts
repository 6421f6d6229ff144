// Issue 10 item 6: what the listener offers, checked with `openssl s_client` (an independent TLS client) against real
// listeners on loopback. Default: TLS 1.2 with forward-secret ECDHE AEAD suites, and TLS 1.3. Legacy (TLSv1, for
// 7900-series phones): TLS 1.0/1.1 too, ECDHE CBC suites and AES128-SHA, nothing more, and a warning at start.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opensslHandshake } from '../support/openssl.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

let modern: TestStack;
let legacy: TestStack;

beforeAll(async () => {
  [modern, legacy] = await Promise.all([startTestStack(), startTestStack({ minTlsVersion: 'TLSv1' })]);
});
afterAll(async () => Promise.all([modern.close(), legacy.close()]));

// This machine's OpenSSL 3 refuses TLS 1.0 and SHA-1 at its default security level: the client needs level 0 for it.
const LEVEL0 = ':@SECLEVEL=0';

const handshake = (t: TestStack, ...args: string[]) => opensslHandshake('127.0.0.1', t.port, args);

describe('default: forward secrecy only', () => {
  it.each(['ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-RSA-CHACHA20-POLY1305'])('TLS 1.2 with %s is accepted', async (cipher) => {
    expect(await handshake(modern, '-tls1_2', '-cipher', cipher)).toMatchObject({ protocol: 'TLSv1.2', cipher });
  });

  it('TLS 1.3 is accepted', async () => {
    expect(await handshake(modern, '-tls1_3')).toMatchObject({ protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' });
  });

  it.each([
    ['AES128-SHA', 'RSA key exchange: no forward secrecy'],
    ['AES256-SHA', 'RSA key exchange'],
    ['AES128-GCM-SHA256', 'RSA key exchange, even with AEAD'],
    ['DHE-RSA-AES128-GCM-SHA256', 'finite-field DHE'],
    ['ECDHE-RSA-AES128-SHA', 'ECDHE but CBC: a legacy-only suite'],
  ])('TLS 1.2 with %s (%s) is refused', async (cipher) => {
    const outcome = await handshake(modern, '-tls1_2', '-cipher', cipher);
    expect(outcome.cipher, outcome.output).toBeUndefined();
    expect(outcome.output).toMatch(/handshake failure|no cipher|alert/i);
  });

  it('TLS 1.0 and 1.1 are refused, whatever the suite', async () => {
    for (const version of ['-tls1', '-tls1_1']) {
      const outcome = await handshake(modern, version, '-cipher', `ECDHE-RSA-AES128-SHA:AES128-SHA${LEVEL0}`);
      expect(outcome.protocol, outcome.output).toBeUndefined();
    }
  });

  it('logs no legacy warning', () => {
    expect(modern.logger.entries.some((e) => e.message === 'legacy TLS enabled')).toBe(false);
  });
});

describe('legacy (--min-tls TLSv1): the suites 7900-series phones need, and no others', () => {
  it('warns at start', () => {
    const warning = legacy.logger.entries.find((e) => e.message === 'legacy TLS enabled');
    expect(warning).toMatchObject({ level: 'warn', attributes: { minVersion: 'TLSv1', addedSuites: expect.stringContaining('AES128-SHA') } });
  });

  it('TLS 1.0 with AES128-SHA (a phone without ECDHE) is accepted', async () => {
    expect(await handshake(legacy, '-tls1', '-cipher', `AES128-SHA${LEVEL0}`)).toMatchObject({ protocol: 'TLSv1', cipher: 'AES128-SHA' });
  });

  it('TLS 1.0 offering ECDHE and AES128-SHA gets ECDHE: the server prefers forward secrecy', async () => {
    expect(await handshake(legacy, '-tls1', '-cipher', `AES128-SHA:ECDHE-RSA-AES128-SHA${LEVEL0}`)).toMatchObject({ protocol: 'TLSv1', cipher: 'ECDHE-RSA-AES128-SHA' });
  });

  it('TLS 1.2 with AES128-SHA is accepted now; AES256-SHA and DHE still are not', async () => {
    expect(await handshake(legacy, '-tls1_2', '-cipher', 'AES128-SHA')).toMatchObject({ protocol: 'TLSv1.2', cipher: 'AES128-SHA' });
    for (const cipher of ['AES256-SHA', 'DHE-RSA-AES128-SHA', `DES-CBC3-SHA${LEVEL0}`]) {
      const outcome = await handshake(legacy, '-tls1_2', '-cipher', cipher);
      expect(outcome.cipher, `${cipher}: ${outcome.output}`).toBeUndefined();
    }
  });

  it('modern clients still get the forward-secret suites first', async () => {
    expect(await handshake(legacy, '-tls1_2')).toMatchObject({ protocol: 'TLSv1.2', cipher: 'ECDHE-RSA-AES256-GCM-SHA384' });
    expect(await handshake(legacy)).toMatchObject({ protocol: 'TLSv1.3' });
  });
});
