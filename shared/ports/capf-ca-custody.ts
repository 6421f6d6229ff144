// F4: where the CAPF certificate and its key are kept, and how a new one reaches every running listener and signer
// without a restart. Adapters: the data folder's capf-ca.pem/capf-ca.key (local stack, hot-reloaded by file watch),
// the CA secret in Secrets Manager (AWS, re-read by the listener and the sign function through short caches).

export interface CapfCaReplacement {
  certificatePem: string;
  /** PKCS#8 PEM. Secret: written to its custody, never returned, logged or audited. */
  privateKeyPem: string;
}

export interface CapfCaCustody {
  /** Where the certificate is kept, for people (a file path, a secret's ARN). */
  readonly where: string;
  /** The current CAPF certificate (PEM). */
  certificate(): Promise<string>;
  /**
   * Replaces certificate and key together, provided the current certificate is still `expectedCertificatePem`
   * (ConflictError otherwise: two administrators replacing at once must not lose one's key silently).
   */
  replace(material: CapfCaReplacement, expectedCertificatePem: string): Promise<void>;
}
