export * from './capf-ca-issuer.ts';
export * from './software-ca.ts';
export * from './kms-signer.ts';
export * from './kms-ca.ts';
export { certificateHasKey, certificatePublicKeyDer, samePublicKey } from './certificate-key.ts';
export { MAX_CA_SECRET_CHARS } from './ca-secret.ts';
