// F6: uploads classified into the admin guide's four scenarios, and the refusals (incomplete chain naming what is
// missing, reserved CAPF- names, a non-CA issuer, a forged signature), with certificates made here.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/errors.ts';
import { pemToDer } from '../../../shared/pki/index.ts';
import { classifyTrustUpload, TrustUploadError } from '../../../shared/pki/trust-upload.ts';
import { refusal, makeCert, makeChain, type TestCert } from '../../support/trust-pki.ts';


describe('classifyTrustUpload', () => {
  let chain: Awaited<ReturnType<typeof makeChain>>;
  beforeAll(async () => {
    chain = await makeChain();
  });

  it('scenario 1: a self-signed HTTPS certificate is its own root', async () => {
    const selfSigned = await makeCert({ name: 'CN=ca.selfsigned.test', ca: false });
    const result = classifyTrustUpload(selfSigned.pem, [], 'CAPF-trust');
    expect(result.chains).toEqual([expect.objectContaining({ scenario: 'root-is-https', rootAlreadyTrusted: false })]);
    expect(result.certificates).toEqual([expect.objectContaining({ subject: 'CN=ca.selfsigned.test', role: 'root', keyId: selfSigned.keyId })]);
  });

  it('scenario 2: a CA root alone', () => {
    const result = classifyTrustUpload(chain.root.pem, [], 'CAPF-trust');
    expect(result.chains.map((c) => c.scenario)).toEqual(['root']);
    expect(result.certificates[0]).toMatchObject({ role: 'root', keyId: chain.root.keyId, fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('scenario 3: an intermediate with its root, in any order, HTTPS certificate or not', () => {
    for (const text of [chain.intermediate.pem + chain.root.pem, chain.root.pem + chain.intermediate.pem, chain.https.pem + chain.intermediate.pem + chain.root.pem]) {
      const result = classifyTrustUpload(text, [], 'CAPF-trust');
      expect(result.chains).toHaveLength(1);
      expect(result.chains[0]!.scenario).toBe('intermediate');
      expect(result.chains[0]!.certificates[0]!.role).toBe('root');
      expect(result.chains[0]!.certificates[1]!.role).toBe('intermediate');
    }
  });

  it('scenario 4: the root and the HTTPS certificate it issued', () => {
    const result = classifyTrustUpload(chain.direct.pem + chain.root.pem, [], 'CAPF-trust');
    expect(result.chains.map((c) => c.scenario)).toEqual(['root-and-https']);
    expect(result.chains[0]!.certificates.map((c) => c.role)).toEqual(['root', 'https']);
  });

  it('a chain completed by the store: an intermediate or HTTPS certificate under a root already trusted', () => {
    const trusted = [pemToDer(chain.root.pem)];
    expect(classifyTrustUpload(chain.intermediate.pem, trusted, 'CAPF-trust').chains[0]).toMatchObject({ scenario: 'intermediate', rootAlreadyTrusted: true });
    expect(classifyTrustUpload(chain.direct.pem, trusted, 'CAPF-trust').chains[0]).toMatchObject({ scenario: 'root-and-https', rootAlreadyTrusted: true });
  });

  it('a bundle of several roots (e.g. the MIC roots) is one chain per root; duplicates count once', async () => {
    const other = await makeCert({ name: 'CN=Cisco_Root_CA_2048 stand-in', ca: true });
    const result = classifyTrustUpload(chain.root.pem + other.pem + chain.root.pem, [], 'CAPF-trust');
    expect(result.certificates).toHaveLength(2);
    expect(result.chains.map((c) => c.scenario)).toEqual(['root', 'root']);
  });

  it('refuses an incomplete chain, naming the missing certificate by subject and key id', () => {
    const error = refusal(() => classifyTrustUpload(chain.https.pem + chain.intermediate.pem, [], 'CAPF-trust'), TrustUploadError);
    expect(error.code).toBe('INCOMPLETE_CHAIN');
    expect(error.missing).toEqual({ subject: 'CN=Example Root CA, O=Example', keyId: chain.root.keyId });
    expect(error.message).toContain('"CN=Example Root CA, O=Example"');
    expect(error.message).toContain(`key id ${chain.root.keyId}`);
    expect(error.message).toContain('CAPF-trust');
    const leafOnly = refusal(() => classifyTrustUpload(chain.https.pem, [pemToDer(chain.root.pem)], 'CallManager-trust'), TrustUploadError);
    expect(leafOnly.missing).toEqual({ subject: 'CN=Example Issuing CA, O=Example', keyId: chain.intermediate.keyId });
  });

  it('an issuer without an AuthorityKeyIdentifier is named by subject only', async () => {
    const orphan = await makeCert({ name: 'CN=orphan.test', ca: false, issuer: chain.root, noAki: true });
    const error = refusal(() => classifyTrustUpload(orphan.pem, [], 'CAPF-trust'), TrustUploadError);
    expect(error.missing).toEqual({ subject: 'CN=Example Root CA, O=Example' });
  });

  it('refuses a CA whose CN starts with CAPF- (any case), but not a leaf so named', async () => {
    const capfRoot = await makeCert({ name: 'CN=capf-1a2b3c4d', ca: true });
    expect(refusal(() => classifyTrustUpload(capfRoot.pem, [], 'CAPF-trust'), TrustUploadError).code).toBe('RESERVED_CAPF_NAME');
    const capfIntermediate = await makeCert({ name: 'CN=CAPF-intermediate, O=Example', ca: true, issuer: chain.root });
    expect(refusal(() => classifyTrustUpload(chain.root.pem + capfIntermediate.pem, [], 'CAPF-trust'), TrustUploadError).code).toBe('RESERVED_CAPF_NAME');
    const capfLeaf = await makeCert({ name: 'CN=CAPF-web.example.test', ca: false, issuer: chain.root });
    expect(classifyTrustUpload(chain.root.pem + capfLeaf.pem, [], 'CAPF-trust').chains[0]!.scenario).toBe('root-and-https');
  });

  it('refuses an issuer that is not a CA, and a signature made with another key', async () => {
    const notCa = await makeCert({ name: 'CN=Not A CA', ca: false });
    const below = await makeCert({ name: 'CN=below.test', ca: false, issuer: notCa });
    expect(refusal(() => classifyTrustUpload(notCa.pem + below.pem, [], 'CAPF-trust'), TrustUploadError).code).toBe('NOT_A_CA');
    const forged = await makeCert({ name: 'CN=forged.test', ca: false, issuer: chain.root, signingKeys: notCa.keys, noAki: true });
    expect(refusal(() => classifyTrustUpload(chain.root.pem + forged.pem, [], 'CAPF-trust'), TrustUploadError).code).toBe('BAD_SIGNATURE');
  });

  it('accepts an expired root with a warning (old MIC roots are still needed)', async () => {
    const old = await makeCert({ name: 'CN=CAP-RTP-001 stand-in', ca: true, notAfter: new Date(Date.now() - 3_600_000) });
    const result = classifyTrustUpload(old.pem, [], 'CAPF-trust');
    expect(result.warnings).toEqual([expect.stringContaining('expired at')]);
  });

  it('refuses what is not PEM certificates without echoing it', () => {
    const key = '-----BEGIN PRIVATE KEY-----\nMIIEsecretsecret\n-----END PRIVATE KEY-----\n';
    const error = (() => {
      try {
        classifyTrustUpload(key, [], 'CAPF-trust');
      } catch (e) {
        return e as ValidationError;
      }
      throw new Error('expected a refusal');
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).not.toContain('secret');
    expect(() => classifyTrustUpload('hello', [], 'CAPF-trust')).toThrow(/no PEM CERTIFICATE block/);
  });

  it('property: any order of any complete chain gives its scenario; dropping the root names the root', async () => {
    const pool: { root: TestCert; intermediate: TestCert; https: TestCert; direct: TestCert } = chain;
    const shapes = fc.record({
      withIntermediate: fc.boolean(),
      withLeaf: fc.boolean(),
      rootInStore: fc.boolean(),
      order: fc.array(fc.nat(), { minLength: 3, maxLength: 3 }),
    });
    fc.assert(
      fc.property(shapes, ({ withIntermediate, withLeaf, rootInStore, order }) => {
        const members: TestCert[] = [];
        if (withIntermediate) members.push(pool.intermediate);
        if (withLeaf) members.push(withIntermediate ? pool.https : pool.direct);
        if (!rootInStore) members.push(pool.root);
        if (members.length === 0) return;
        const shuffled = members.map((m, i) => ({ m, k: order[i] ?? 0 })).sort((a, b) => a.k - b.k).map((x) => x.m);
        const text = shuffled.map((m) => m.pem).join('');
        const trusted = rootInStore ? [pemToDer(pool.root.pem)] : [];
        const result = classifyTrustUpload(text, trusted, 'CAPF-trust');
        const expected = withIntermediate ? 'intermediate' : withLeaf ? 'root-and-https' : 'root';
        expect(result.chains.map((c) => c.scenario)).toEqual([expected]);
        expect(result.chains[0]!.rootAlreadyTrusted).toBe(rootInStore);
        if (!rootInStore && members.length > 1) {
          const withoutRoot = shuffled.filter((m) => m !== pool.root).map((m) => m.pem).join('');
          const error = refusal(() => classifyTrustUpload(withoutRoot, [], 'CAPF-trust'), TrustUploadError);
          expect(error.missing).toEqual({ subject: pool.root.name, keyId: pool.root.keyId });
        }
      }),
      { numRuns: 60 },
    );
  });
});
