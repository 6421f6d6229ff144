// shared/monitor: the expiry monitor's rules, pure (no AWS SDK, no I/O). docs/expiry-monitoring.md explains them.
export {
  CERTIFICATE_KINDS,
  CERTIFICATE_STATES,
  DAY_MS,
  inService,
  type CertificateKind,
  type CertificateState,
  type MonitoredCertificate,
} from './certificates.ts';
export {
  checkLeadDays,
  dueNotices,
  LEAD_TIME_DAYS,
  noticeKey,
  noticeLevel,
  noticeLevels,
  normaliseRecipient,
  unsentNotices,
  type Notice,
  type NoticeLevel,
  type NoticeOptions,
} from './notices.ts';
export { monitorSchedule, type RunFrequency, type RunSchedule } from './schedule.ts';
export { EXPIRY_BUCKET_LABELS, EXPIRY_BUCKETS, expiryBucket, expiryMetrics, type ExpiryBucket, type ExpiryMetrics, type LscCounts } from './metrics.ts';
export { checkReenrolmentFraction, REENROLMENT_FRACTION, reenrolmentDue, type ReenrolmentCandidate } from './reenrolment.ts';
export {
  CRL_RETENTION_DAYS,
  CRL_VALIDITY_DAYS,
  crlRefreshDue,
  planCrl,
  REVOCATION_REASONS,
  revocationsDue,
  type CrlPlan,
  type CrlPlanOptions,
  type RevocationCause,
  type RevocationDue,
  type RevokedCertificate,
} from './revocation.ts';
export { DIGEST_LIST_LIMIT, type DigestInput, type DigestRow } from './digest-sections.ts';
export { buildDigest, DIGEST_SUBJECT_MAX, type Digest, type DigestDocument } from './digest.ts';
