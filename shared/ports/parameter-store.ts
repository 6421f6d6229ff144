// The parameter store port: the service parameters an administrator changes rarely (F5, F16). Readers go through a
// short cache (shared/domain/parameters-cache.ts) so a change applies within seconds without a restart. Bounds and
// defaults: shared/domain/parameters.ts. Adapter: shared/store/dynamo-parameter-store.ts.

export interface ServiceParameters {
  /** How long a new LSC is valid, in whole days. */
  lscValidityDays: number;
  /** F16: when false, IPv6 peers are refused. */
  ipv6Enabled: boolean;
  /** Refuse a certificate whose subject does not name the device (certificate authentication). */
  requireCertificateNameMatch: boolean;
  /** Wrong authentication strings before a device's operation is locked (then each further one locks it again). */
  authFailureLimit: number;
  /** Longest lock after wrong authentication strings (the lock starts at 1 minute and doubles up to this). */
  authLockMaxMinutes: number;
  /** Failed authentications per minute from one peer address (any device) before it is refused at TLS accept. */
  addressFailureLimit: number;
  /** The same budget for an address inside the configured phone networks (a site's NAT address). */
  phoneNetworkFailureLimit: number;
  /** How long an address over its budget is refused. */
  addressCooldownSeconds: number;
  /** Issue 10: most certificates one operation may yield; past it the operation fails (CERTIFICATE_LIMIT) until re-armed. */
  maxCertificatesPerOperation: number;
  /** Issue 10: tolerance, in seconds, when a certificate that authenticates is checked against its validity dates. */
  certificateClockSkewSeconds: number;
  /** Issue 10: accept an expired MIC (older Cisco manufacturing certificates); an LSC must always be within validity. */
  acceptExpiredMic: boolean;
  /** F19: days before expiry that the first expiry notice goes out (then 7 days, 1 day, expired). */
  expiryLeadDays: number;
  /** F19: who gets the expiry digest by email (lowercase addresses); empty = the topic only (the local stack
   *  then writes to capf-admin@localhost). */
  expiryRecipients: string[];
  /** F19: arm install with lsc-precedence on devices whose LSC passed reenrolmentFraction of its lifetime. */
  reenrolmentEnabled: boolean;
  /** F19: the share of an LSC's lifetime after which its device is re-enrolled. */
  reenrolmentFraction: number;
  /** F14: TCP keepalive delay on phone connections, in minutes (5-60). */
  keepAliveMinutes: number;
  updatedAt?: string;
}

export interface ParameterStore {
  /** The parameters, with the defaults for any never set. */
  get(): Promise<ServiceParameters>;
  /** Changes the given parameters (ValidationError for a bad or unknown one) and returns all of them. */
  update(changes: Partial<ServiceParameters>): Promise<ServiceParameters>;
}
