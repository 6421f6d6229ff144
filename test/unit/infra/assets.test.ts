// What synth produces besides the template: the function bundles (local esbuild, ESM with a require shim, the AWS
// SDK and reflect-metadata inside, runnable with no node_modules at all) and the listener's image context; and how
// synth fails when a registered handler or bundle is missing. The listener's image context: deploy-checks.test.ts.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCapfApp, REPO_ROOT } from '../../../infra/app.ts';
import type { FunctionSpec } from '../../../infra/functions.ts';
import { cdkJsonContext, TEST_ENV } from './support.ts';

const PROBE: FunctionSpec = {
  id: 'sign',
  entry: 'test/unit/infra/fixtures/bundle-probe.handler.ts',
  description: 'bundling probe',
  trigger: { kind: 'listener' },
  access: {},
};

let outdir: string;
let assembly: CloudAssembly;

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'capf-infra-assets-'));
  const { app } = createCapfApp({ context: { ...cdkJsonContext(), ...TEST_ENV }, outdir, builtinValidation: false, nag: false, functions: [PROBE] });
  assembly = app.synth();
});
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

function assetDirectories(): string[] {
  const manifest = JSON.parse(readFileSync(join(outdir, 'capf-dev.assets.json'), 'utf8'));
  return Object.values(manifest.files as Record<string, { source: { path: string } }>)
    .map((asset) => join(outdir, asset.source.path))
    .filter((dir) => existsSync(dir));
}

describe('function bundles', () => {
  const bundlePath = () => {
    const dir = assetDirectories().find((candidate) => existsSync(join(candidate, 'index.mjs')));
    if (!dir) throw new Error(`no function bundle among the assets of ${outdir}`);
    return join(dir, 'index.mjs');
  };

  it('are the code of the registered function in the template', () => {
    const resources = Object.values(assembly.getStackByName('capf-dev').template.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>);
    const functions = resources.filter((resource) => resource.Type === 'AWS::Lambda::Function' && resource.Properties.Handler === 'index.handler');
    const assetHash = basename(dirname(bundlePath())).replace(/^asset\./, '');
    expect(functions.map((resource) => (resource.Properties.Code as { S3Key?: unknown }).S3Key)).toEqual([`${assetHash}.zip`]);
  });

  it('are ESM files with a require() shim for bundled CommonJS code', () => {
    const code = readFileSync(bundlePath(), 'utf8');
    expect(code.startsWith("import { createRequire as capfCreateRequire } from 'node:module';")).toBe(true);
  });

  it('carry the AWS SDK and reflect-metadata inside: nothing is imported from a package', () => {
    const files = readdirSync(dirname(bundlePath()), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.mjs'));
    const imported = files.flatMap((file) => [...readFileSync(join(dirname(bundlePath()), file), 'utf8').matchAll(/(?:from\s*|import\(\s*)"([^"]+)"/g)].map((match) => match[1]));
    expect(imported.filter((name) => !isBuiltin(name ?? '') && !name?.startsWith('./'))).toEqual([]);
    expect(readFileSync(bundlePath(), 'utf8')).toContain('getMetadata');
  });

  it('load and run in plain Node, from a directory with no node_modules above it (as in the Lambda zip)', () => {
    const alone = mkdtempSync(join(tmpdir(), 'capf-bundle-alone-'));
    cpSync(dirname(bundlePath()), alone, { recursive: true });
    const url = pathToFileURL(join(alone, 'index.mjs')).href;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(url)}); console.log(JSON.stringify(await m.handler()));`], {
      encoding: 'utf8',
      env: { ...process.env, AWS_REGION: 'eu-west-1' },
    });
    rmSync(alone, { recursive: true, force: true });
    expect(JSON.parse(output.trim().split('\n').at(-1) ?? '')).toEqual({ reflectReady: true, region: 'eu-west-1' });
  });
});

describe('a missing handler or bundle', () => {
  it('stops synth with the path and what to do', () => {
    const missing = { ...PROBE, id: 'monitor', entry: 'functions/no-such-function/handler.ts' };
    expect(() => createCapfApp({ context: { ...cdkJsonContext(), ...TEST_ENV }, nag: false, builtinValidation: false, functions: [missing] })).toThrow(
      /"monitor" function: handler file .*functions\/no-such-function\/handler\.ts does not exist.*write that handler/,
    );
  });

  it('ends `cdk synth`\'s app process with exit code 1 and the message, not a stack trace', () => {
    const context = { ...cdkJsonContext(), prebuiltFunctionsDir: '/nonexistent/capf-bundles' };
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'infra/bin/app.ts'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context) },
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^capf infra: capf "sign" function: prebuilt bundle directory \/nonexistent\/capf-bundles\/sign does not exist/m);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
