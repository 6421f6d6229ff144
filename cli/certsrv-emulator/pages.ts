// HTML of the emulated certsrv pages. The skeleton follows what public captures of real AD CS pages show (teal header
// table, <LocID ID=loc...> wrappers around every localized sentence, the "Error" page's definition list with each
// value on the line after </DT><DD>, indented with two tabs); the wording comes from locales.ts.
import type { CertsrvStrings } from './locales.ts';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

const GREEN_RULE =
  '<!-- Green HR --><Table Border=0 CellSpacing=0 CellPadding=0 Width=100%><TR><TD BgColor=#008080><Img Src="certspc.gif" Alt="" Height=2 Width=1></TD></TR></Table>';

function frame(s: CertsrvStrings, caName: string, body: string, script = '<!-- no scripts -->'): string {
  return `<HTML>
<Head>
    <Meta HTTP-Equiv="Content-Type" Content="text/html; charset=UTF-8">
    <Meta HTTP-Equiv="Content-Language" Content="${s.lang}">
    <Meta HTTP-Equiv="X-UA-Compatible" Content="IE=7">
    <Title>Microsoft Active Directory Certificate Services</Title>
</Head>
<Body BgColor=#FFFFFF Link=#0000FF VLink=#0000FF ALink=#0000FF><Font ID=locPageFont Face="Arial">

<Table Border=0 CellSpacing=0 CellPadding=4 Width=100% BgColor=#008080>
<TR>
\t<TD><Font Color=#FFFFFF><LocID ID=locMSCertSrv><Font Face="Arial" Size=-1><B><I>Microsoft</I></B> Active Directory Certificate Services &nbsp;--&nbsp; ${escapeHtml(caName)} &nbsp;</Font></LocID></Font></TD>
\t<TD ID=locHomeAlign Align=Right><A Href="/certsrv"><Font Color=#FFFFFF><LocID ID=locHomeLink><Font Face="Arial" Size=-1><B>${s.home}</B></Font></LocID></Font></A></TD>
</TR>
</Table>
${body}
${GREEN_RULE}
</Font>
<!-- ############################################################ -->
<!-- End of standard text. Scripts follow  -->
${script}
</Body>
</HTML>
`;
}

function title(id: string, text: string): string {
  return `\n<P ID=${id}> <B> ${text} </B>\n${GREEN_RULE}\n`;
}

function requestIdLine(s: CertsrvStrings, reqId: number): string {
  return `<P><LocID ID=locReqIdBefore>${s.requestIdBefore}</LocID>${reqId}<LocID ID=locReqIdAfter>${s.requestIdAfter}</LocID>\n`;
}

export function welcomePage(s: CertsrvStrings, caName: string): string {
  return frame(
    s,
    caName,
    `${title('locPageTitle', s.welcomeTitle)}
<P ID=locPageDesc>${s.welcomeText}
<P><B ID=locTaskHead>${s.selectTask}</B>
<LocID ID=locTaskList><DL>
\t<DD><A Href="certrqus.asp">${s.taskRequest}</A>
\t<DD><A Href="certckpn.asp">${s.taskPending}</A>
\t<DD><A Href="certcarc.asp">${s.taskDownloadCa}</A>
</DL></LocID>
`,
  );
}

export interface TemplateOption {
  name: string;
  displayName: string;
  minimumKeyBits: number;
}

export function advancedRequestPage(s: CertsrvStrings, caName: string, templates: TemplateOption[]): string {
  // Option value fields (`;`-separated): offline flag, template name, key spec, key flags, minimum key size, friendly name.
  const options = templates
    .map((t) => `\t\t<Option Value="O;${escapeHtml(t.name)};1;0;${t.minimumKeyBits};${escapeHtml(t.displayName)}">${escapeHtml(t.displayName)}</Option>`)
    .join('\n');
  return frame(
    s,
    caName,
    `<Form Name=SubmittedData Action="certfnsh.asp" Method=Post>
\t<Input Type=Hidden Name=Mode Value="newreq">
\t<Input Type=Hidden Name=TargetStoreFlags Value="0">
\t<Input Type=Hidden Name=SaveCert Value="yes">
${title('locPageTitle', s.advancedTitle)}
<Table Border=0 CellSpacing=0 CellPadding=0>
<TR><TD ID=locSavedReqLabel><Font Size=-1><B>${s.savedRequest}</B></Font></TD>
\t<TD><TextArea Name=CertRequest ID=locTbRequest Rows=10 Cols=64 Wrap=Off></TextArea></TD></TR>
<TR><TD ID=locTemplateLabel><Font Size=-1><B>${s.templateLabel}</B></Font></TD>
\t<TD><Select Name=lbCertTemplate ID=lbCertTemplateID>
${options}
\t</Select></TD></TR>
<TR><TD ID=locAttribLabel><Font Size=-1><B>${s.attributesLabel}</B></Font></TD>
\t<TD><TextArea Name=CertAttrib ID=locTbAttrib Rows=2 Cols=30 Wrap=Off></TextArea></TD></TR>
</Table>
<Input Type=Submit ID=locBtnSubmit Value="${s.submit}">
</Form>
`,
  );
}

export function issuedPage(s: CertsrvStrings, caName: string, reqId: number): string {
  const link = (what: 'cer' | 'p7b', encoding: 'bin' | 'b64'): string => `certnew.${what}?ReqID=${reqId}&amp;Enc=${encoding}`;
  return frame(
    s,
    caName,
    `${title('locPageTitle', s.issuedTitle)}
<P ID=locCertIssued>${s.issuedText}
<P>
<Table Border=0 CellSpacing=0 CellPadding=0>
\t<TR><TD><Input Type=Radio ID=rbDerEnc Name=rbEncoding Checked><Label For=rbDerEnc ID=locDerEnc>${s.derEncoded}</Label></TD>
\t\t<TD><Input Type=Radio ID=rbB64Enc Name=rbEncoding><Label For=rbB64Enc ID=locB64Enc>${s.base64Encoded}</Label></TD></TR>
</Table>
<P><A Href="${link('cer', 'bin')}" ID=locDownloadCertBin><LocID ID=locDownloadCert3>${s.downloadCertificate}</LocID></A>
 (<A Href="${link('cer', 'b64')}" ID=locDownloadCertB64>Base64</A>)
<P><A Href="${link('p7b', 'bin')}" ID=locDownloadChainBin><LocID ID=locDownloadCertChain3>${s.downloadChain}</LocID></A>
 (<A Href="${link('p7b', 'b64')}" ID=locDownloadChainB64>Base64</A>)
`,
    `<Script Language="JavaScript">
\tfunction getEncoding() { return document.all.rbB64Enc.checked ? "Enc=b64" : "Enc=bin"; }
\tfunction handleGetCert() { location="certnew.cer?ReqID=${reqId}&"+getEncoding(); return false; }
\tfunction handleGetChain() { location="certnew.p7b?ReqID=${reqId}&"+getEncoding(); return false; }
\tfunction handleDefault() { location="certnew.cer?ReqID=${reqId}&Enc=b64"; }
</Script>`,
  );
}

/** `reqId` undefined leaves the request-id line out (a customised page). */
export function pendingPage(s: CertsrvStrings, caName: string, reqId: number | undefined, stillPending: boolean): string {
  return frame(
    s,
    caName,
    `${title('locPageTitle', s.pendingTitle)}
<P ID=${stillPending ? 'locStillPending' : 'locInfoReqRecvd'}>${stillPending ? s.stillPending : s.pendingReceived}
${reqId === undefined ? '' : requestIdLine(s, reqId)}<P ID=locPleaseReturn>${s.pendingReturn}
<P ID=locNote><I>${s.pendingNote}</I>
`,
  );
}

export function deniedPage(s: CertsrvStrings, caName: string, reqId: number, dispositionMessage: string): string {
  return frame(
    s,
    caName,
    `${title('locPageTitle', s.deniedTitle)}
<P ID=locDenied>${s.deniedText}
${requestIdLine(s, reqId)}<P><LocID ID=locDispBefore>${s.dispositionBefore}</LocID>${escapeHtml(dispositionMessage)}<LocID ID=locDispAfter>${s.dispositionAfter}</LocID>
<P ID=locContactAdmin>${s.contactAdmin}
`,
  );
}

export interface ErrorDetails {
  mode: 'fetch' | 'newreq' | 'chkpnd';
  /** MS-WCCE disposition: 2 denied, 3 issued, 5 under submission; omitted when there is no request. */
  disposition?: number;
  dispositionMessage: string;
  result: string;
  lastStatus: string;
  /** Set for the "An unexpected error has occurred" variant. */
  unexpected?: string;
}

/** The "Error" page: certnew.cer for a request without a certificate, or a failed certfnsh.asp. */
export function errorPage(s: CertsrvStrings, caName: string, details: ErrorDetails): string {
  const mode = { fetch: s.modeFetch, newreq: s.modeNewRequest, chkpnd: s.modeCheckPending }[details.mode];
  const disposition =
    details.disposition === undefined
      ? ''
      : `\t<DT ID=locDispLabel><Font Size=-1><B>${s.labelDisposition}</B></Font></DT><DD>
\t\t${details.disposition} <LocID ID=locDispSpacer>-</LocID> <LocID ID=locDispUnknown>${s.unknownDisposition}</LocID>
\t</DD>\n`;
  const unexpected = details.unexpected
    ? `<P ID=locUnexpectedError>${s.unexpectedError} <B>${escapeHtml(details.unexpected)}</B>\n`
    : '';
  return frame(
    s,
    caName,
    `${title('locPageTitle', s.errorTitle)}
${unexpected}<P ID=locContactAdmin>${s.contactAdmin}
</P>

<!-- Advanced info -->
<DL><DD>
\t<DL>
\t<DT ID=locModeLabel><Font Size=-1><B>${s.labelMode}</B></Font></DT><DD>
\t\t <LocID ID=locModeSpacer>-</LocID> <LocID ID=locModeText>${mode}</LocID>
\t</DD>
${disposition}\t<DT ID=locDispMsgLabel><Font Size=-1><B>${s.labelDispositionMessage}</B></Font></DT><DD>
\t\t${escapeHtml(details.dispositionMessage)}
\t</DD>
\t<DT ID=locResultLabel><Font Size=-1><B>${s.labelResult}</B></Font></DT><DD>
\t\t${escapeHtml(details.result)}
\t</DD>
\t<DT ID=locComInfoLabel><Font Size=-1><B>${s.labelComError}</B></Font></DT><DD>
\t\t
\t</DD>
\t<DT ID=locLastStatLabel><Font Size=-1><B>${s.labelLastStatus}</B></Font></DT><DD>
\t\t${escapeHtml(details.lastStatus)}
\t</DD>
\t<DT ID=locSugCauseLabel><Font Size=-1><B>${s.labelSuggestedCause}</B></Font></DT><DD>
\t\t<LocID ID=locSugCauseUnknown>${s.noSuggestions}</LocID>
\t</DD></DL>
</DD></DL>
`,
  );
}

export function caDownloadPage(s: CertsrvStrings, caName: string, renewals: number): string {
  return frame(
    s,
    caName,
    `<Form Name=UIForm>
${title('locPageTitle2', s.caDownloadTitle)}
<P><LocID ID=locPrompt>${s.caDownloadPrompt}</LocID>
<Select Size=4 Name=lbCaInstance ID=lbCaID>
\t<Option Value="${renewals}" Selected><LocID ID=locCurCertEntry>${s.currentCertificate}</LocID> <LocID ID=locCaNameNoRen1>[${escapeHtml(caName)}]</LocID>
</Select>
<P><A Href="certnew.cer?ReqID=CACert&amp;Renewal=${renewals}&amp;Enc=bin"><LocID ID=locDownloadCert2>${s.downloadCaCertificate}</LocID></A>
<P><A Href="certnew.p7b?ReqID=CACert&amp;Renewal=${renewals}&amp;Enc=bin"><LocID ID=locDownloadCertChain2>${s.downloadCaChain}</LocID></A>
</Form>
`,
    `<Script Language="JavaScript">
\tvar nRenewals=${renewals};
\tvar sCaName="${escapeHtml(caName)}";
</Script>`,
  );
}

export function pendingListPage(s: CertsrvStrings, caName: string, entries: Array<{ reqId: number; label: string }>): string {
  const rows = entries.length
    ? entries.map((e) => `\t<DD><A Href="certfnsh.asp?Mode=chkpnd&amp;ReqID=${e.reqId}">${escapeHtml(e.label)}</A>`).join('\n')
    : `\t<DD ID=locNoPending>${s.pendingListEmpty}`;
  return frame(s, caName, `${title('locPageTitle', s.pendingListTitle)}\n<DL>\n${rows}\n</DL>\n`);
}

/** IIS's own 401 page (the site's authentication rejected the request before any ASP page ran). */
export function iisUnauthorizedPage(): string {
  return iisErrorPage(
    '401 - Unauthorized: Access is denied due to invalid credentials.',
    'You do not have permission to view this directory or page using the credentials that you supplied.',
  );
}

export function iisErrorPage(heading: string, detail: string): string {
  return `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"/>
<title>${heading}</title>
</head>
<body>
<div id="header"><h1>Server Error</h1></div>
<div id="content">
 <div class="content-container"><fieldset>
  <h2>${heading}</h2>
  <h3>${detail}</h3>
 </fieldset></div>
</div>
</body>
</html>
`;
}
