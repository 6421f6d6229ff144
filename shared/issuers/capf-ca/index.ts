export * from './capf-ca-issuer.ts';
export * from './software-ca.ts';
export * from './kms-signer.ts';
export * from './kms-ca.ts';
export * from './reloading-issuer.ts';
export * from './secret-ca-custody.ts';
