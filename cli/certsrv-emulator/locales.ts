// The words of the emulated certsrv pages and CA messages in English, German and Korean. The page structure (LocID
// ids, links, hex codes, numbers) never changes with the language; only these sentences do, like on a localized
// Windows. The translations are ours, written for the tests, not copied from Windows.

export type CertsrvLocale = 'en' | 'de' | 'ko';
export const CERTSRV_LOCALES: readonly CertsrvLocale[] = ['en', 'de', 'ko'];

export interface CertsrvStrings {
  lang: string;
  home: string;
  welcomeTitle: string;
  welcomeText: string;
  selectTask: string;
  taskRequest: string;
  taskPending: string;
  taskDownloadCa: string;
  advancedTitle: string;
  savedRequest: string;
  templateLabel: string;
  attributesLabel: string;
  submit: string;
  issuedTitle: string;
  issuedText: string;
  derEncoded: string;
  base64Encoded: string;
  downloadCertificate: string;
  downloadChain: string;
  pendingTitle: string;
  pendingReceived: string;
  stillPending: string;
  requestIdBefore: string;
  requestIdAfter: string;
  pendingReturn: string;
  pendingNote: string;
  deniedTitle: string;
  deniedText: string;
  dispositionBefore: string;
  dispositionAfter: string;
  contactAdmin: string;
  errorTitle: string;
  unexpectedError: string;
  labelMode: string;
  labelDisposition: string;
  labelDispositionMessage: string;
  labelResult: string;
  labelComError: string;
  labelLastStatus: string;
  labelSuggestedCause: string;
  modeFetch: string;
  modeNewRequest: string;
  modeCheckPending: string;
  unknownDisposition: string;
  noSuggestions: string;
  caDownloadTitle: string;
  caDownloadPrompt: string;
  currentCertificate: string;
  downloadCaCertificate: string;
  downloadCaChain: string;
  pendingListTitle: string;
  pendingListEmpty: string;
  // Messages the CA service itself writes (AD CS localizes them to the server's language).
  takenUnderSubmission: string;
  issued: string;
  deniedByPolicyModule: string;
  deniedBy: (account: string) => string;
  operationCompleted: string;
  serviceNotStarted: string;
  errorParsingRequest: string;
  hresultText: Record<HresultName, string>;
}

export type HresultName =
  | 'CERTSRV_E_UNSUPPORTED_CERT_TYPE'
  | 'CERTSRV_E_TEMPLATE_DENIED'
  | 'CERTSRV_E_KEY_LENGTH'
  | 'CERTSRV_E_ADMIN_DENIED_REQUEST'
  | 'CERTSRV_E_PROPERTY_EMPTY'
  | 'RPC_S_SERVER_UNAVAILABLE'
  | 'NTE_BAD_SIGNATURE'
  | 'CRYPT_E_ASN1_BADTAG';

export const HRESULTS: Record<HresultName, number> = {
  CERTSRV_E_UNSUPPORTED_CERT_TYPE: 0x80094800,
  CERTSRV_E_TEMPLATE_DENIED: 0x80094012,
  CERTSRV_E_KEY_LENGTH: 0x80094811,
  CERTSRV_E_ADMIN_DENIED_REQUEST: 0x80094014,
  CERTSRV_E_PROPERTY_EMPTY: 0x80094004,
  RPC_S_SERVER_UNAVAILABLE: 0x800706ba,
  NTE_BAD_SIGNATURE: 0x80090006,
  CRYPT_E_ASN1_BADTAG: 0x8009310b,
};

const en: CertsrvStrings = {
  lang: 'en-us',
  home: 'Home',
  welcomeTitle: 'Welcome',
  welcomeText:
    'Use this Web site to request a certificate for your Web browser, e-mail client, or other program. By using a certificate, you can verify your identity to people you communicate with over the Web, sign and encrypt messages, and, depending upon the type of certificate you request, perform other security tasks.',
  selectTask: 'Select a task:',
  taskRequest: 'Request a certificate',
  taskPending: 'View the status of a pending certificate request',
  taskDownloadCa: 'Download a CA certificate, certificate chain, or CRL',
  advancedTitle: 'Submit a Certificate Request or Renewal Request',
  savedRequest: 'Saved Request:',
  templateLabel: 'Certificate Template:',
  attributesLabel: 'Additional Attributes:',
  submit: 'Submit >',
  issuedTitle: 'Certificate Issued',
  issuedText: 'The certificate you requested was issued to you.',
  derEncoded: 'DER encoded',
  base64Encoded: 'Base 64 encoded',
  downloadCertificate: 'Download certificate',
  downloadChain: 'Download certificate chain',
  pendingTitle: 'Certificate Pending',
  pendingReceived: 'Your certificate request has been received. However, you must wait for an administrator to issue the certificate you requested.',
  stillPending: 'Your certificate request is still pending. You must wait for an administrator to issue the certificate you requested.',
  requestIdBefore: 'Your Request Id is ',
  requestIdAfter: '.',
  pendingReturn: 'Please return to this web site in a day or two to retrieve your certificate.',
  pendingNote: 'Note: You must return with this web browser within 10 days to retrieve your certificate',
  deniedTitle: 'Certificate Request Denied',
  deniedText: 'Your certificate request was denied.',
  dispositionBefore: 'The disposition message is "',
  dispositionAfter: '".',
  contactAdmin: 'Contact your administrator for further assistance.',
  errorTitle: 'Error',
  unexpectedError: 'An unexpected error has occurred:',
  labelMode: 'Request Mode:',
  labelDisposition: 'Disposition:',
  labelDispositionMessage: 'Disposition message:',
  labelResult: 'Result:',
  labelComError: 'COM Error Info:',
  labelLastStatus: 'LastStatus:',
  labelSuggestedCause: 'Suggested Cause:',
  modeFetch: '(certnew.cer/certnew.p7b/certcrl.crl certificate/crl fetch)',
  modeNewRequest: 'newreq - New Request',
  modeCheckPending: 'chkpnd - Check Pending Request',
  unknownDisposition: '(unknown)',
  noSuggestions: 'No suggestions.',
  caDownloadTitle: 'Download a CA Certificate, Certificate Chain, or CRL',
  caDownloadPrompt: 'To download a CA certificate, certificate chain, or CRL, select the certificate and encoding method.',
  currentCertificate: 'Current',
  downloadCaCertificate: 'Download CA certificate',
  downloadCaChain: 'Download CA certificate chain',
  pendingListTitle: 'View the Status of a Pending Certificate Request',
  pendingListEmpty: 'There are no pending certificate requests for you to view.',
  takenUnderSubmission: 'Taken Under Submission',
  issued: 'Issued',
  deniedByPolicyModule: 'Denied by Policy Module',
  deniedBy: (account) => `Denied by ${account}`,
  operationCompleted: 'The operation completed successfully.',
  serviceNotStarted: 'The Certification Authority Service has not been started.',
  errorParsingRequest: 'Error Parsing Request',
  hresultText: {
    CERTSRV_E_UNSUPPORTED_CERT_TYPE: 'The request was for a certificate template that is not supported by the Active Directory Certificate Services policy:',
    CERTSRV_E_TEMPLATE_DENIED: 'The permissions on the certificate template do not allow the current user to enroll for this type of certificate.',
    CERTSRV_E_KEY_LENGTH: 'The public key does not meet the minimum size required by the specified certificate template.',
    CERTSRV_E_ADMIN_DENIED_REQUEST: 'The request was denied by a certificate manager or CA administrator.',
    CERTSRV_E_PROPERTY_EMPTY: 'The requested property value is empty.',
    RPC_S_SERVER_UNAVAILABLE: 'The RPC server is unavailable.',
    NTE_BAD_SIGNATURE: 'Invalid Signature.',
    CRYPT_E_ASN1_BADTAG: 'ASN1 bad tag value met.',
  },
};

const de: CertsrvStrings = {
  lang: 'de-de',
  home: 'Startseite',
  welcomeTitle: 'Willkommen',
  welcomeText:
    'Auf dieser Website können Sie ein Zertifikat für Ihren Webbrowser, Ihr E-Mail-Programm oder andere Programme anfordern. Mit einem Zertifikat weisen Sie Ihre Identität gegenüber Ihren Kommunikationspartnern im Web nach, signieren und verschlüsseln Nachrichten und erledigen je nach Zertifikattyp weitere Sicherheitsaufgaben.',
  selectTask: 'Wählen Sie eine Aufgabe:',
  taskRequest: 'Ein Zertifikat anfordern',
  taskPending: 'Status einer ausstehenden Zertifikatanforderung anzeigen',
  taskDownloadCa: 'Ein Zertifizierungsstellenzertifikat, eine Zertifikatkette oder eine Sperrliste herunterladen',
  advancedTitle: 'Eine Zertifikatanforderung oder eine Erneuerungsanforderung einreichen',
  savedRequest: 'Gespeicherte Anforderung:',
  templateLabel: 'Zertifikatvorlage:',
  attributesLabel: 'Zusätzliche Attribute:',
  submit: 'Einsenden >',
  issuedTitle: 'Zertifikat wurde ausgestellt',
  issuedText: 'Das angeforderte Zertifikat wurde für Sie ausgestellt.',
  derEncoded: 'DER-codiert',
  base64Encoded: 'Base64-codiert',
  downloadCertificate: 'Zertifikat herunterladen',
  downloadChain: 'Zertifikatkette herunterladen',
  pendingTitle: 'Zertifikat ausstehend',
  pendingReceived: 'Ihre Zertifikatanforderung ist eingegangen. Sie müssen jedoch warten, bis ein Administrator das angeforderte Zertifikat ausstellt.',
  stillPending: 'Ihre Zertifikatanforderung steht weiterhin aus. Sie müssen warten, bis ein Administrator das angeforderte Zertifikat ausstellt.',
  requestIdBefore: 'Ihre Anforderungskennung lautet ',
  requestIdAfter: '.',
  pendingReturn: 'Kehren Sie in ein bis zwei Tagen auf diese Website zurück, um Ihr Zertifikat abzurufen.',
  pendingNote: 'Hinweis: Sie müssen innerhalb von 10 Tagen mit diesem Webbrowser zurückkehren, um Ihr Zertifikat abzurufen',
  deniedTitle: 'Zertifikatanforderung wurde abgelehnt',
  deniedText: 'Ihre Zertifikatanforderung wurde abgelehnt.',
  dispositionBefore: 'Die Statusmeldung lautet: „',
  dispositionAfter: '“.',
  contactAdmin: 'Wenden Sie sich an den Administrator, wenn Sie weitere Unterstützung benötigen.',
  errorTitle: 'Fehler',
  unexpectedError: 'Ein unerwarteter Fehler ist aufgetreten:',
  labelMode: 'Anforderungsmodus:',
  labelDisposition: 'Status:',
  labelDispositionMessage: 'Statusmeldung:',
  labelResult: 'Ergebnis:',
  labelComError: 'COM-Fehlerinformationen:',
  labelLastStatus: 'Letzter Status:',
  labelSuggestedCause: 'Mögliche Ursache:',
  modeFetch: '(Abruf von Zertifikat/Sperrliste über certnew.cer/certnew.p7b/certcrl.crl)',
  modeNewRequest: 'newreq - Neue Anforderung',
  modeCheckPending: 'chkpnd - Ausstehende Anforderung prüfen',
  unknownDisposition: '(unbekannt)',
  noSuggestions: 'Keine Vorschläge.',
  caDownloadTitle: 'Zertifizierungsstellenzertifikat, Zertifikatkette oder Sperrliste herunterladen',
  caDownloadPrompt: 'Wählen Sie das Zertifikat und die Codierungsmethode aus, um es herunterzuladen.',
  currentCertificate: 'Aktuell',
  downloadCaCertificate: 'Zertifizierungsstellenzertifikat herunterladen',
  downloadCaChain: 'Zertifikatkette der Zertifizierungsstelle herunterladen',
  pendingListTitle: 'Status einer ausstehenden Zertifikatanforderung anzeigen',
  pendingListEmpty: 'Für Sie liegen keine ausstehenden Zertifikatanforderungen vor.',
  takenUnderSubmission: 'Zur Genehmigung angenommen',
  issued: 'Ausgestellt',
  deniedByPolicyModule: 'Vom Richtlinienmodul abgelehnt',
  deniedBy: (account) => `Abgelehnt von ${account}`,
  operationCompleted: 'Der Vorgang wurde erfolgreich beendet.',
  serviceNotStarted: 'Der Zertifizierungsstellendienst wurde nicht gestartet.',
  errorParsingRequest: 'Fehler beim Analysieren der Anforderung',
  hresultText: {
    CERTSRV_E_UNSUPPORTED_CERT_TYPE: 'Die Anforderung bezog sich auf eine Zertifikatvorlage, die von der Richtlinie der Active Directory-Zertifikatdienste nicht unterstützt wird:',
    CERTSRV_E_TEMPLATE_DENIED: 'Die Berechtigungen der Zertifikatvorlage erlauben dem aktuellen Benutzer nicht, sich für diesen Zertifikattyp zu registrieren.',
    CERTSRV_E_KEY_LENGTH: 'Der öffentliche Schlüssel erreicht nicht die von der Zertifikatvorlage verlangte Mindestlänge.',
    CERTSRV_E_ADMIN_DENIED_REQUEST: 'Die Anforderung wurde von einem Zertifikatverwalter oder Administrator der Zertifizierungsstelle abgelehnt.',
    CERTSRV_E_PROPERTY_EMPTY: 'Der angeforderte Eigenschaftswert ist leer.',
    RPC_S_SERVER_UNAVAILABLE: 'Der RPC-Server ist nicht verfügbar.',
    NTE_BAD_SIGNATURE: 'Ungültige Signatur.',
    CRYPT_E_ASN1_BADTAG: 'Ungültiger ASN1-Tagwert.',
  },
};

const ko: CertsrvStrings = {
  lang: 'ko-kr',
  home: '홈',
  welcomeTitle: '시작',
  welcomeText:
    '이 웹 사이트에서 웹 브라우저, 전자 메일 클라이언트 또는 다른 프로그램에 사용할 인증서를 요청할 수 있습니다. 인증서를 사용하면 웹에서 통신하는 상대에게 신원을 증명하고 메시지에 서명하거나 암호화할 수 있으며, 요청한 인증서 종류에 따라 다른 보안 작업도 할 수 있습니다.',
  selectTask: '작업 선택:',
  taskRequest: '인증서 요청',
  taskPending: '보류 중인 인증서 요청의 상태 보기',
  taskDownloadCa: 'CA 인증서, 인증서 체인 또는 CRL 다운로드',
  advancedTitle: '인증서 요청 또는 갱신 요청 제출',
  savedRequest: '저장된 요청:',
  templateLabel: '인증서 템플릿:',
  attributesLabel: '추가 특성:',
  submit: '제출 >',
  issuedTitle: '인증서 발급됨',
  issuedText: '요청한 인증서가 발급되었습니다.',
  derEncoded: 'DER 인코딩',
  base64Encoded: 'Base 64 인코딩',
  downloadCertificate: '인증서 다운로드',
  downloadChain: '인증서 체인 다운로드',
  pendingTitle: '인증서 보류 중',
  pendingReceived: '인증서 요청을 받았습니다. 하지만 관리자가 요청한 인증서를 발급할 때까지 기다려야 합니다.',
  stillPending: '인증서 요청이 아직 보류 중입니다. 관리자가 요청한 인증서를 발급할 때까지 기다려야 합니다.',
  requestIdBefore: '요청 ID는 ',
  requestIdAfter: '입니다.',
  pendingReturn: '하루나 이틀 뒤에 이 웹 사이트를 다시 방문하여 인증서를 받으십시오.',
  pendingNote: '참고: 인증서를 받으려면 10일 안에 이 웹 브라우저로 다시 방문해야 합니다',
  deniedTitle: '인증서 요청이 거부됨',
  deniedText: '인증서 요청이 거부되었습니다.',
  dispositionBefore: '처리 메시지: "',
  dispositionAfter: '"',
  contactAdmin: '자세한 내용은 관리자에게 문의하십시오.',
  errorTitle: '오류',
  unexpectedError: '예기치 않은 오류가 발생했습니다:',
  labelMode: '요청 모드:',
  labelDisposition: '처리 상태:',
  labelDispositionMessage: '처리 메시지:',
  labelResult: '결과:',
  labelComError: 'COM 오류 정보:',
  labelLastStatus: '마지막 상태:',
  labelSuggestedCause: '예상 원인:',
  modeFetch: '(certnew.cer/certnew.p7b/certcrl.crl 인증서/CRL 가져오기)',
  modeNewRequest: 'newreq - 새 요청',
  modeCheckPending: 'chkpnd - 보류 중인 요청 확인',
  unknownDisposition: '(알 수 없음)',
  noSuggestions: '제안 사항이 없습니다.',
  caDownloadTitle: 'CA 인증서, 인증서 체인 또는 CRL 다운로드',
  caDownloadPrompt: 'CA 인증서, 인증서 체인 또는 CRL을 다운로드하려면 인증서와 인코딩 방법을 선택하십시오.',
  currentCertificate: '현재',
  downloadCaCertificate: 'CA 인증서 다운로드',
  downloadCaChain: 'CA 인증서 체인 다운로드',
  pendingListTitle: '보류 중인 인증서 요청의 상태 보기',
  pendingListEmpty: '확인할 보류 중인 인증서 요청이 없습니다.',
  takenUnderSubmission: '승인 대기로 접수됨',
  issued: '발급됨',
  deniedByPolicyModule: '정책 모듈에서 거부됨',
  deniedBy: (account) => `${account}에 의해 거부됨`,
  operationCompleted: '작업을 완료했습니다.',
  serviceNotStarted: '인증 기관 서비스가 시작되지 않았습니다.',
  errorParsingRequest: '요청을 구문 분석하는 중 오류 발생',
  hresultText: {
    CERTSRV_E_UNSUPPORTED_CERT_TYPE: 'Active Directory 인증서 서비스 정책에서 지원하지 않는 인증서 템플릿을 요청했습니다:',
    CERTSRV_E_TEMPLATE_DENIED: '인증서 템플릿 권한이 현재 사용자에게 이 유형의 인증서 등록을 허용하지 않습니다.',
    CERTSRV_E_KEY_LENGTH: '공개 키가 지정한 인증서 템플릿에서 요구하는 최소 크기에 미치지 않습니다.',
    CERTSRV_E_ADMIN_DENIED_REQUEST: '인증서 관리자 또는 CA 관리자가 요청을 거부했습니다.',
    CERTSRV_E_PROPERTY_EMPTY: '요청한 속성 값이 비어 있습니다.',
    RPC_S_SERVER_UNAVAILABLE: 'RPC 서버를 사용할 수 없습니다.',
    NTE_BAD_SIGNATURE: '서명이 잘못되었습니다.',
    CRYPT_E_ASN1_BADTAG: 'ASN1 태그 값이 잘못되었습니다.',
  },
};

export const CERTSRV_STRINGS: Record<CertsrvLocale, CertsrvStrings> = { en, de, ko };

/** `0x80094800 (-2146875392 CERTSRV_E_UNSUPPORTED_CERT_TYPE)`, the way certsrv prints an HRESULT. */
export function formatHresult(name: HresultName): string {
  const value = HRESULTS[name];
  const win32 = (value & 0xffff0000) >>> 0 === 0x80070000 ? `WIN32: ${value & 0xffff} ` : `${value - 0x1_0000_0000} `;
  return `0x${value.toString(16)} (${win32}${name})`;
}
