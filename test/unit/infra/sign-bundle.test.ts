// The real sign function's bundle, as synth builds it: what a cold start loads is the entry file and the chunks it
// imports statically; each CA backend's client (KMS, Private CA, Secrets Manager) sits in a chunk that only a dynamic
// import reaches, so a cold start pays only for the DynamoDB client every request needs and for the backend the
// deployment configured.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCapfApp } from '../../../infra/app.ts';
import { FUNCTIONS } from '../../../infra/functions.ts';
import { cdkJsonContext, TEST_ENV } from './support.ts';

let outdir: string;
let bundleDir: string;

beforeAll(() => {
  const sign = FUNCTIONS.find((spec) => spec.id === 'sign');
  if (!sign) throw new Error('infra/functions.ts registers no sign function');
  outdir = mkdtempSync(join(tmpdir(), 'capf-sign-bundle-'));
  const { app } = createCapfApp({ context: { ...cdkJsonContext(), ...TEST_ENV }, outdir, builtinValidation: false, nag: false, functions: [sign] });
  app.synth();
  const manifest = JSON.parse(readFileSync(join(outdir, 'capf-dev.assets.json'), 'utf8'));
  const dir = Object.values(manifest.files as Record<string, { source: { path: string } }>)
    .map((asset) => join(outdir, asset.source.path))
    .find((candidate) => existsSync(join(candidate, 'index.mjs')));
  if (!dir) throw new Error(`no function bundle among the assets of ${outdir}`);
  bundleDir = dir;
}, 60_000);
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const read = (file: string) => readFileSync(join(bundleDir, file), 'utf8');
const STATIC_IMPORT = /(?:^|[;}\n])\s*import\s*(?:[^"'()]*?from\s*)?["']([^"']+)["']/g;
const DYNAMIC_IMPORT = /import\(\s*["']([^"']+)["']\s*\)/g;

/** The bundle's files a cold import loads: index.mjs and, transitively, what it imports statically. */
function eagerFiles(): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const [, specifier] of read(file).matchAll(STATIC_IMPORT)) {
      if (specifier?.startsWith('./')) visit(normalize(join(dirname(file), specifier)));
    }
  };
  visit('index.mjs');
  return seen;
}

const allFiles = () => readdirSync(bundleDir, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.mjs'));
/** Strings only a given client's code carries: its service's protocol names. */
const CLIENT_MARKERS = { kms: 'TrentService', 'acm-pca': 'ACMPrivateCA', 'secrets-manager': 'secretsmanager.', dynamodb: 'DynamoDB_20120810' };

describe('sign function bundle', () => {
  it('imports nothing but node built-ins and its own chunks', () => {
    const specifiers = allFiles().flatMap((file) => [...read(file).matchAll(STATIC_IMPORT), ...read(file).matchAll(DYNAMIC_IMPORT)].map((match) => match[1] ?? ''));
    expect(specifiers.filter((name) => !isBuiltin(name) && !name.startsWith('./'))).toEqual([]);
  });

  it('loads the DynamoDB client at a cold start, and each CA backend client only when that backend is built', () => {
    const eager = [...eagerFiles()].map(read).join('\n');
    const everything = allFiles().map(read).join('\n');
    expect(eager).toContain(CLIENT_MARKERS.dynamodb);
    for (const backend of ['kms', 'acm-pca', 'secrets-manager'] as const) {
      expect(everything, backend).toContain(CLIENT_MARKERS[backend]);
      expect(eager, backend).not.toContain(CLIENT_MARKERS[backend]);
    }
  });

  it('bundles zod without its locales (namespace import, so esbuild can drop what is unused)', () => {
    const eagerBytes = [...eagerFiles()].reduce((sum, file) => sum + read(file).length, 0);
    expect(eagerBytes).toBeLessThan(1_000_000);
    // esbuild writes ASCII, so the German locale's "Ungültige Eingabe" would appear escaped.
    expect(allFiles().map(read).join('\n')).not.toMatch(/Ung(?:ü|\\xFC|\\u00FC)ltige Eingabe/i);
  });
});
