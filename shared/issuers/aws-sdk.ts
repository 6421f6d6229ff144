// The CA backends' AWS SDK clients are imported when a backend first needs one, never at module load. The Lambda
// bundle is one ESM file, and esbuild hoists a static import of an external package to its top, so a static import
// here would make every cold start load the KMS, Private CA and Secrets Manager clients whichever backend is set.
export const secretsManagerSdk = () => import('@aws-sdk/client-secrets-manager');
export const kmsSdk = () => import('@aws-sdk/client-kms');
export const acmPcaSdk = () => import('@aws-sdk/client-acm-pca');
// Not S3: the listener loads this module (CA and trust secrets), and esbuild bundles every dynamic import here into it;
// the S3 client (offline CA only) is imported in aws-clients.ts, which the listener never loads.
