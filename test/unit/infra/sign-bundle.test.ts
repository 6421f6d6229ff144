// The real sign function's bundle, as synth builds it: the only AWS SDK packages it loads at import are the DynamoDB
// ones every request needs; each CA backend's client (KMS, Private CA, Secrets Manager) is imported when that backend
// is first built, so a cold start pays only for the backend the deployment configured.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCapfApp, REPO_ROOT } from '../../../infra/app.ts';
import { FUNCTIONS } from '../../../infra/functions.ts';
import { cdkJsonContext, TEST_ENV } from './support.ts';

const cacheDir = join(REPO_ROOT, 'node_modules', '.cache');
let outdir: string;
let code: string;

beforeAll(() => {
  const sign = FUNCTIONS.find((spec) => spec.id === 'sign');
  if (!sign) throw new Error('infra/functions.ts registers no sign function');
  mkdirSync(cacheDir, { recursive: true });
  outdir = mkdtempSync(join(cacheDir, 'capf-sign-bundle-'));
  const { app } = createCapfApp({ context: { ...cdkJsonContext(), ...TEST_ENV }, outdir, builtinValidation: false, nag: false, functions: [sign] });
  app.synth();
  const manifest = JSON.parse(readFileSync(join(outdir, 'capf-dev.assets.json'), 'utf8'));
  const bundle = Object.values(manifest.files as Record<string, { source: { path: string } }>)
    .map((asset) => join(outdir, asset.source.path, 'index.mjs'))
    .find((file) => existsSync(file));
  if (!bundle) throw new Error(`no function bundle among the assets of ${outdir}`);
  code = readFileSync(bundle, 'utf8');
}, 60_000);
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const staticImports = () => new Set([...code.matchAll(/(?:^|[;\n}])\s*import\s*[^"'()]*?from\s*["']([^"']+)["']/g)].map((match) => match[1]));
const dynamicImports = () => new Set([...code.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g)].map((match) => match[1]));

describe('sign function bundle', () => {
  it('statically imports only node built-ins and the DynamoDB SDK', () => {
    const sdk = [...staticImports()].filter((name) => !name?.startsWith('node:')).sort();
    expect(sdk).toEqual(['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb']);
  });

  it('imports each CA backend client only when that backend is built', () => {
    const lazy = dynamicImports();
    for (const name of ['@aws-sdk/client-kms', '@aws-sdk/client-acm-pca', '@aws-sdk/client-secrets-manager']) {
      expect(lazy, name).toContain(name);
      expect(staticImports(), name).not.toContain(name);
    }
  });

  it('bundles zod without its locales (namespace import, so esbuild can drop what is unused)', () => {
    expect(code.length).toBeLessThan(1_000_000);
    // esbuild writes ASCII, so the German locale's "Ungültige Eingabe" would appear escaped.
    expect(code).not.toMatch(/Ung(?:ü|\\xFC|\\u00FC)ltige Eingabe/i);
  });
});
