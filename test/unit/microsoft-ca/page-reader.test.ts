// The language-neutral certsrv page reader, on hand-written pages in the layouts public captures show, including
// pages no emulator produces (other languages, missing markers, hostile input).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { htmlToText, readCertsrvPage } from '../../../shared/issuers/microsoft-ca/page-reader.ts';
import { explainHresult } from '../../../shared/issuers/microsoft-ca/hresults.ts';
import { classifyTransportError, MicrosoftCaError } from '../../../shared/issuers/microsoft-ca/errors.ts';

const ERROR_PAGE = (disposition: string, message: string, lastStatus: string): string => `<HTML><Head><Title>Microsoft Active Directory Certificate Services</Title></Head><Body>
<P ID=locPageTitle> <B> Fehler </B>
<DL><DD>
\t<DL>
\t<DT ID=locDispLabel><Font Size=-1><B>Status:</B></Font></DT><DD>
\t\t${disposition} <LocID ID=locDispSpacer>-</LocID>
\t</DD>
\t<DT ID=locDispMsgLabel><Font Size=-1><B>Statusmeldung:</B></Font></DT><DD>
\t\t${message}
\t</DD>
\t<DT ID=locLastStatLabel><Font Size=-1><B>Letzter Status:</B></Font></DT><DD>
\t\t${lastStatus}
\t</DD></DL>
</DD></DL></Body></HTML>`;

describe('readCertsrvPage', () => {
  it('takes the request id from the certnew.cer link in either the href or the script form', () => {
    expect(readCertsrvPage('<A Href="certnew.cer?ReqID=1234&amp;Enc=bin">x</A>').issuedReqId).toBe(1234);
    expect(readCertsrvPage('location="certnew.cer?ReqID=77&Enc=b64"').issuedReqId).toBe(77);
    expect(readCertsrvPage('certnew.cer?ReqID=CACert&amp;Renewal=0').issuedReqId).toBeUndefined();
  });

  it('reads the numeric disposition, the message and the HRESULT of an "Error" page in any language', () => {
    const pending = readCertsrvPage(ERROR_PAGE('5', 'Zur Genehmigung angenommen', 'Der Vorgang wurde erfolgreich beendet. 0x0 (WIN32: 0 ERROR_SUCCESS)'));
    expect(pending).toMatchObject({ disposition: 5, dispositionMessage: 'Zur Genehmigung angenommen', denied: false });
    expect(pending.failureHresult).toBeUndefined();
    const denied = readCertsrvPage(ERROR_PAGE('2', '이(가) 거부함', '0x80094014 (-2146877420 CERTSRV_E_ADMIN_DENIED_REQUEST)'));
    expect(denied).toMatchObject({ disposition: 2, failureHresult: 0x80094014 });
  });

  it('recognises a denial by its locDenied id and quotes the paragraph around the HRESULT without the localized words', () => {
    const page = readCertsrvPage(
      '<P ID=locDenied>證書申請被拒絕。\n<P><LocID ID=locDispBefore>處置訊息為 "</LocID>Denied by Policy Module  0x80094800, X: Foo.<LocID ID=locDispAfter>"。</LocID>\n',
    );
    expect(page).toMatchObject({ denied: true, failureHresult: 0x80094800, dispositionMessage: 'Denied by Policy Module 0x80094800, X: Foo.' });
  });

  it('takes a pending request id from the Requests cookie (ASP-encoded), the last entry winning', () => {
    const cookie = 'Requests=%5B17%2C0%2Cyes%2CSaved%2DRequest+Certificate%5D%5B18%2C0%2Cyes%2Cx%5D; path=/certsrv';
    expect(readCertsrvPage('<P>anything</P>', ['ASPSESSIONIDAB=CD; secure; path=/', cookie]).savedReqId).toBe(18);
    expect(readCertsrvPage('<P>anything</P>', ['Requests=%E0%A4%A; path=/']).savedReqId).toBeUndefined();
    // Without the cookie, a chkpnd link or a hidden ReqID field names the request just as well.
    expect(readCertsrvPage('<A Href="certfnsh.asp?Mode=chkpnd&amp;ReqID=41">x</A>').savedReqId).toBe(41);
    expect(readCertsrvPage('<Input Type=Hidden Name="ReqID" Value="42">').savedReqId).toBe(42);
  });

  it('reads request ids as AD CS numbers them: 32-bit unsigned, up to 4294967295, in links, fields and the cookie', () => {
    expect(readCertsrvPage('<A Href="certnew.cer?ReqID=4294967295&amp;Enc=bin">x</A>').issuedReqId).toBe(4_294_967_295);
    expect(readCertsrvPage('<A Href="certnew.cer?ReqID=1000000000&amp;Enc=bin">x</A>').issuedReqId).toBe(1_000_000_000);
    expect(readCertsrvPage('<A Href="certnew.cer?ReqID=4294967296&amp;Enc=bin">x</A>').issuedReqId).toBeUndefined();
    expect(readCertsrvPage('<A Href="certnew.cer?ReqID=12345678901&amp;Enc=bin">x</A>').issuedReqId).toBeUndefined();
    expect(readCertsrvPage('<A Href="certfnsh.asp?Mode=chkpnd&amp;ReqID=3000000001">x</A>').savedReqId).toBe(3_000_000_001);
    expect(readCertsrvPage('<P>x</P>', ['Requests=%5B4000000007%2C0%2Cyes%2Cx%5D; path=/certsrv']).savedReqId).toBe(4_000_000_007);
    expect(readCertsrvPage('<P>x</P>', ['Requests=%5B0%2C0%2Cyes%2Cx%5D; path=/certsrv']).savedReqId).toBeUndefined();
  });

  it('without cookie or link, takes a pending request id from the markup of the request-id sentence, in any language', () => {
    const pending = (before: string, id: string, after: string) =>
      readCertsrvPage(`<P ID=locInfoReqRecvd>…\n<P><LocID ID=locReqIdBefore>${before}</LocID>${id}<LocID ID=locReqIdAfter>${after}</LocID>\n`);
    expect(pending('Your Request Id is ', '57', '.')).toMatchObject({ savedReqId: 57, pendingPage: true });
    expect(pending('요청 ID: ', '4294967295', '입니다.')).toMatchObject({ savedReqId: 4_294_967_295, pendingPage: true });
    expect(pending('Ihre Anforderungs-ID lautet ', '4294967296', '.')).toMatchObject({ pendingPage: true });
    expect(pending('Ihre Anforderungs-ID lautet ', '4294967296', '.').savedReqId).toBeUndefined();
    // A number in the sentence's words is not the id: only the text between the two halves counts.
    expect(readCertsrvPage('<P ID=locStillPending>Request 12 of 2024 is still pending.').savedReqId).toBeUndefined();
    expect(readCertsrvPage('<P ID=locStillPending>x').pendingPage).toBe(true);
    expect(readCertsrvPage('<P ID=locCertIssued>x').pendingPage).toBe(false);
  });

  it('reads nRenewals and makes a bounded excerpt of unknown pages', () => {
    expect(readCertsrvPage('<Script>\tvar nRenewals=3;\n</Script>').renewals).toBe(3);
    const proxy = readCertsrvPage(`<html><title>Proxy login</title><body>${'Please sign in. '.repeat(100)}</body></html>`);
    expect(proxy.excerpt.startsWith('Proxy login: Please sign in.')).toBe(true);
    expect(proxy.excerpt.length).toBeLessThanOrEqual(301);
    expect(proxy.issuedReqId ?? proxy.savedReqId ?? proxy.failureHresult ?? proxy.disposition).toBeUndefined();
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 3000 }), fc.array(fc.string({ maxLength: 200 }), { maxLength: 3 }), (html, cookies) => {
        const facts = readCertsrvPage(html, cookies);
        expect(facts.excerpt.length).toBeLessThanOrEqual(301);
      }),
      { numRuns: 300 },
    );
  });

  it('decodes entities and drops scripts when turning HTML into text', () => {
    expect(htmlToText('<p>a&amp;b &lt;c&gt; &#39;d&#x27; &nbsp;e</p><script>var x=1;</script>')).toBe("a&b <c> 'd' e");
  });
});

describe('HRESULT and transport classification', () => {
  it('maps the certsrv HRESULTs to refusal codes', () => {
    expect(explainHresult(0x80094800, 'denied').code).toBe('TEMPLATE_UNKNOWN');
    expect(explainHresult(0x80094012, 'denied').code).toBe('PERMISSION_DENIED');
    expect(explainHresult(0x80094011, 'denied').code).toBe('PERMISSION_DENIED');
    expect(explainHresult(0x80094014, 'denied').code).toBe('DENIED_BY_ADMIN');
    expect(explainHresult(0x80094004, 'error').code).toBe('NOT_FOUND');
    expect(explainHresult(0x800706ba, 'error').code).toBe('CA_UNAVAILABLE');
    expect(explainHresult(0x8009310b, 'error').code).toBe('BAD_CSR');
    expect(explainHresult(0x80094abc, 'denied')).toMatchObject({ code: 'DENIED_BY_POLICY', symbol: '0x80094abc' });
    expect(explainHresult(0x80094abc, 'error').code).toBe('CA_ERROR');
  });

  it('classifies socket, DNS and TLS errors', () => {
    const err = (code: string, message = code): Error => Object.assign(new Error(message), { code });
    expect(classifyTransportError(err('ERR_TLS_CERT_ALTNAME_INVALID'), 'ca.example', 443).code).toBe('HOSTNAME_MISMATCH');
    expect(classifyTransportError(err('SELF_SIGNED_CERT_IN_CHAIN'), 'ca.example', 443).code).toBe('UNTRUSTED_CA');
    expect(classifyTransportError(err('CERT_HAS_EXPIRED'), 'ca.example', 443).code).toBe('TLS_CERT_DATES');
    expect(classifyTransportError(err('ENOTFOUND'), 'ca.example', 443).code).toBe('DNS_FAILURE');
    expect(classifyTransportError(err('ECONNRESET', 'socket hang up'), 'ca.example', 443).code).toBe('CONNECTION_RESET');
    expect(classifyTransportError(err('EPROTO'), 'ca.example', 443).code).toBe('TLS_FAILED');
    const already = new MicrosoftCaError('late', 'TIMEOUT');
    expect(classifyTransportError(already, 'ca.example', 443)).toBe(already);
  });
});
