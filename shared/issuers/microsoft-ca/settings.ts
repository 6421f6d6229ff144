// What the online Microsoft CA issuer takes (F2), for the descriptor (the settings secret or file) and the issuer
// alike: each field's rule has this one home. Messages name the field and the rule, never the value.
import * as z from 'zod';

const NO_CONTROL = /^[^\r\n\0]+$/;

export const microsoftCaSettingsSchema = z.strictObject({
  /** Must equal the CN/SAN of the IIS HTTPS certificate. */
  host: z.string().min(1).max(253).regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/, 'must be a DNS host name'),
  port: z.number().int().min(1).max(65_535).default(443),
  /** The template's name (not its display name). */
  template: z.string().min(1).max(128).regex(NO_CONTROL, 'must not contain line breaks'),
  username: z.string().min(1).max(256).regex(NO_CONTROL, 'must not contain line breaks'),
  password: z.string().min(1).max(256),
  auth: z.enum(['ntlm', 'basic']).default('ntlm'),
  /** CAs the IIS certificate may chain to, besides CAPF-trust. */
  trustedCaPem: z.array(z.string().max(65_536)).max(256).default([]),
  /** Connect to this address while verifying the certificate for `host` (tests, split DNS). */
  connectAddress: z.string().min(1).max(253).optional(),
  /** Per HTTP exchange. */
  timeoutMs: z.number().int().min(100).max(600_000).default(8_000),
  /** For a whole issue(), fetchPending() or describe(), all exchanges together (the sign function has 30 s). */
  deadlineMs: z.number().int().min(100).max(25_000).default(20_000),
  /** Largest response body read. */
  maxResponseBytes: z.number().int().min(16_384).max(16 * 1024 * 1024).default(1024 * 1024),
  /** Tries of one exchange that IIS answers with 500/502/503/504, within deadlineMs. */
  serverErrorAttempts: z.number().int().min(1).max(5).default(3),
  /** Wait before the second try; doubled before each further one. */
  serverErrorBackoffMs: z.number().int().min(0).max(5_000).default(500),
});

export type MicrosoftCaSettings = z.output<typeof microsoftCaSettingsSchema>;
