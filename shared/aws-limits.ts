// Time limits for the AWS SDK clients the project builds. Without throwOnRequestTimeout the SDK only logs a warning
// when requestTimeout passes and goes on waiting, so a stalled call would hold a session slot or an issuance lease.
export function requestLimits(requestTimeoutMs: number) {
  return { connectionTimeout: 2_000, requestTimeout: requestTimeoutMs, throwOnRequestTimeout: true };
}
