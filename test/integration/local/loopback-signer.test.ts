// The local stack's store client sends its requests to dynalite unsigned (placeholder SigV4 headers), and nothing
// else: the signer refuses a non-loopback endpoint when built, and a request that would leave the machine when signing.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDynalite, type RunningDynalite } from '../../../cli/local/dynalite.ts';
import { createDynamoClient } from '../../../cli/local/local-store.ts';
import { isLoopbackHttpEndpoint, loopbackSigner } from '../../../cli/local/loopback-signer.ts';
import { ConfigError } from '../../../shared/errors.ts';

let capture: Server;
let captureEndpoint: string;
const seen: IncomingHttpHeaders[] = [];
let dynalite: RunningDynalite;

beforeAll(async () => {
  // Answers every request like DynamoDB's ListTables, remembering its headers.
  capture = createServer((req, res) => {
    seen.push(req.headers);
    req.resume().on('end', () => {
      res.setHeader('content-type', 'application/x-amz-json-1.0');
      res.end('{"TableNames":[]}');
    });
  });
  await new Promise<void>((resolve) => capture.listen(0, '127.0.0.1', resolve));
  captureEndpoint = `http://127.0.0.1:${(capture.address() as AddressInfo).port}`;
  dynalite = await startDynalite();
});
afterAll(async () => {
  await dynalite.close();
  await new Promise((resolve) => capture.close(resolve));
});

describe('the local store client', () => {
  it('sends placeholder SigV4 headers, no signature, to a loopback endpoint', async () => {
    const client = createDynamoClient(captureEndpoint);
    try {
      await client.send(new ListTablesCommand({}));
    } finally {
      client.destroy();
    }
    const headers = seen.at(-1);
    expect(headers?.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=local\/.*Signature=unsigned$/);
    expect(headers?.['x-amz-date']).toBe('19700101T000000Z');
  });

  it('works against dynalite, which checks the headers are there', async () => {
    const client = createDynamoClient(dynalite.endpoint);
    try {
      expect((await client.send(new ListTablesCommand({}))).TableNames).toEqual([]);
    } finally {
      client.destroy();
    }
  });

  it('refuses to send an unsigned request that the endpoint resolution sent elsewhere', async () => {
    const client = createDynamoClient(captureEndpoint, 1);
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { hostname: string; protocol: string };
        request.hostname = 'dynamodb.us-east-1.amazonaws.com';
        request.protocol = 'https:';
        return next(args);
      },
      { step: 'build', name: 'redirectElsewhere' },
    );
    const before = seen.length;
    try {
      await expect(client.send(new ListTablesCommand({}))).rejects.toThrow(/refusing to send an unsigned store request to https:\/\/dynamodb/);
    } finally {
      client.destroy();
    }
    expect(seen.length).toBe(before);
  });
});

describe('loopbackSigner', () => {
  it.each(['https://dynamodb.eu-west-1.amazonaws.com', 'http://10.0.0.7:8000', 'https://127.0.0.1:8000', 'not a url'])('refuses %s', (endpoint) => {
    expect(isLoopbackHttpEndpoint(endpoint)).toBe(false);
    expect(() => loopbackSigner(endpoint)).toThrow(ConfigError);
  });

  it.each(['http://127.0.0.1:8000', 'http://localhost:8000', 'http://[::1]:8000'])('accepts %s', (endpoint) => {
    expect(isLoopbackHttpEndpoint(endpoint)).toBe(true);
  });
});
