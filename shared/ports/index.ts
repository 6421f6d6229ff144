// The ports: the interfaces the domain works against, each implemented by adapters at the edges (docs/architecture.md
// lists where). Ports depend on the model (../model.ts) and nothing else.
export * from './issuer.ts';
export * from './ca-signer.ts';
export * from './device-store.ts';
export * from './issuance-store.ts';
export * from './parameter-store.ts';
export * from './stores.ts';
export * from './notifier.ts';
export * from './csr-bucket.ts';
export * from './pending-csr-store.ts';
export * from './audit-log.ts';
export * from './trust-store.ts';
export * from './capf-ca-custody.ts';
export * from './monitor-store.ts';
export * from './audit-store.ts';
export * from './template-store.ts';
export * from './bulk-store.ts';
export * from './job-scheduler.ts';
