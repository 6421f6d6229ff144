// The deployed stack's admin API behind API Gateway with IAM authorisation: every request is signed with SigV4
// (service execute-api) using the default AWS credential chain (AWS_PROFILE, environment, SSO, instance roles...) and
// the region of the endpoint's host name, else AWS_REGION / AWS_DEFAULT_REGION.
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { ConfigError } from '../../shared/errors.ts';
import { callUrl, sendHttp, type ApiTransport } from './api-transport.ts';

export const SIGNING_SERVICE = 'execute-api';

/** The region in an API Gateway host name (abc123.execute-api.eu-west-1.amazonaws.com), else the environment's. */
export function endpointRegion(endpoint: URL, env: NodeJS.ProcessEnv = process.env): string {
  const fromHost = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(endpoint.hostname)?.[1];
  const region = fromHost ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new ConfigError(`no AWS region for ${endpoint.origin}: set AWS_REGION (the stack's region)`, 'NO_REGION');
  return region;
}

export async function sigv4Transport(endpoint: URL, options: { region?: string; credentials?: AwsCredentialIdentityProvider } = {}): Promise<ApiTransport> {
  const credentials = options.credentials ?? (await import('@aws-sdk/credential-provider-node')).defaultProvider();
  const signer = new SignatureV4({ service: SIGNING_SERVICE, region: options.region ?? endpointRegion(endpoint), credentials, sha256: Hash.bind(null, 'sha256') });
  return {
    description: `admin API ${endpoint.origin}`,
    async send(call) {
      const url = callUrl(endpoint, call);
      const body = call.body === undefined ? undefined : JSON.stringify(call.body);
      const query: Record<string, string> = {};
      for (const [key, value] of url.searchParams) query[key] = value;
      let signed;
      try {
        signed = await signer.sign({
          method: call.method,
          protocol: url.protocol,
          hostname: url.hostname,
          ...(url.port ? { port: Number(url.port) } : {}),
          path: url.pathname,
          query,
          headers: { host: url.host, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
          ...(body !== undefined ? { body } : {}),
        });
      } catch (error) {
        throw new ConfigError(`no AWS credentials to sign requests to ${endpoint.origin}: ${(error as Error).message.split('\n')[0]} (set AWS_PROFILE or run aws sso login)`, 'NO_CREDENTIALS');
      }
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(signed.headers)) if (key !== 'host') headers[key] = String(value);
      return sendHttp(url, call.method, headers, body, endpoint.origin);
    },
  };
}
