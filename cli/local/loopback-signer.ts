// The local stack's store requests go unsigned. dynalite checks only that an Authorization header of the SigV4 shape
// and a date are present, never the signature, so computing one (a canonical request, four HMACs and a SHA-256 of the
// body per call) bought nothing there and cost a fifth of the listener's SDK time. Only a loopback http:// endpoint
// gets this signer, and it refuses at signing time any request that would leave the machine: a DynamoDB client for
// AWS (the functions, the listener in Fargate) is built elsewhere and always signs.
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { ConfigError } from '../../shared/errors.ts';

type RequestSigner = Extract<NonNullable<DynamoDBClientConfig['signer']>, { sign: unknown }>;
type SignableRequest = Parameters<RequestSigner['sign']>[0];

const LOOPBACK_HOSTNAMES = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
/** What dynalite requires to be present (it parses these fields but verifies none of them). */
const PLACEHOLDER_DATE = '19700101T000000Z';
const PLACEHOLDER_AUTHORIZATION = 'AWS4-HMAC-SHA256 Credential=local/19700101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=unsigned';

/** True for an http:// URL naming this machine's loopback address: the only place requests may go unsigned. */
export function isLoopbackHttpEndpoint(endpoint: string): boolean {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return false;
  }
  return url.protocol === 'http:' && LOOPBACK_HOSTNAMES.has(url.hostname);
}

/**
 * A signer that adds placeholder SigV4 headers instead of a signature, for a client of the local stack's dynalite.
 * Throws ConfigError when built for, or asked to sign a request to, anything but a loopback http:// endpoint.
 */
export function loopbackSigner(endpoint: string): RequestSigner {
  if (!isLoopbackHttpEndpoint(endpoint)) {
    throw new ConfigError(`unsigned store requests are for a loopback http:// endpoint only, not ${endpoint}`, 'UNSIGNED_REMOTE');
  }
  return {
    sign(request: SignableRequest): Promise<SignableRequest> {
      if (request.protocol !== 'http:' || !LOOPBACK_HOSTNAMES.has(request.hostname)) {
        return Promise.reject(new ConfigError(`refusing to send an unsigned store request to ${request.protocol}//${request.hostname}`, 'UNSIGNED_REMOTE'));
      }
      request.headers['x-amz-date'] = PLACEHOLDER_DATE;
      request.headers.authorization = PLACEHOLDER_AUTHORIZATION;
      return Promise.resolve(request);
    },
  };
}
