/** How the KMS signer hands KMS the data: DIGEST (our SHA-256, the default) or RAW (KMS hashes; at most 4096 bytes). */
export const KMS_MESSAGE_TYPES = ['DIGEST', 'RAW'] as const;
export type KmsMessageType = (typeof KMS_MESSAGE_TYPES)[number];
