// The notifiers' AWS SDK clients are imported when one first sends, never at module load: the monitor's Lambda bundle
// is one ESM file, and a static import would load the SES and SNS clients on every cold start, needed or not.
import { requestLimits } from '../aws-limits.ts';

export const sesV2Sdk = () => import('@aws-sdk/client-sesv2');
export const snsSdk = () => import('@aws-sdk/client-sns');

/** Each send answers in well under a second; a stalled one must not hold the monitor run. */
export const NOTIFY_CLIENT_LIMITS = { maxAttempts: 3, requestHandler: requestLimits(10_000) };
