// The online Microsoft CA issuer (F2): AD CS web enrollment (/certsrv) over HTTPS with NTLMv2 or Basic.
export { MicrosoftCaIssuer, type MicrosoftCaIssuerOptions } from './microsoft-ca-issuer.ts';
export { MicrosoftCaError, RETRYABLE_MICROSOFT_CA_CODES, type MicrosoftCaCode } from './errors.ts';
export { readCertsrvPage, type CertsrvPageFacts } from './page-reader.ts';
