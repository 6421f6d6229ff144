export * from './acm-pca-issuer.ts';
