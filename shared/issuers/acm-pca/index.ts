export * from './acm-pca-issuer.ts';
export { DEFAULT_PCA_TEMPLATE_ARN } from './settings.ts';
