// Every rule of "who may import whom" (docs/architecture.md) is an ESLint rule: a violating import fails `npm run
// lint`, so the CI build. Each case lints a snippet as if it were a file in that folder, with the repository's own
// eslint.config.js, and expects the rule to fire (or, for an allowed import, to stay quiet).
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function importProblems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax').map((m) => m.message);
}

const use = (specifier: string) => `import * as imported from '${specifier}';\nexport const used = imported;\n`;
const load = (specifier: string) => `export async function later() {\n  return import('${specifier}');\n}\n`;

describe('import rules (eslint.config.js)', () => {
  it.each([
    ['ports depend on the model only', 'shared/ports/example.ts', use('../store/dynamo-stores.ts'), /ports depend on the model/],
    ['ports import no package', 'shared/ports/example.ts', use('zod'), /ports import no package/],
    ['the model imports nothing', 'shared/model.ts', use('./errors.ts'), /the model imports nothing/],
    ['pki does not import issuers', 'shared/pki/example.ts', use('../issuers/registry.ts'), /pure code imports the model/],
    ['protocol does not import the store', 'shared/protocol/example.ts', use('../store/dynamo-device-store.ts'), /pure code imports the model/],
    ['pure code touches no files', 'shared/pki/example.ts', use('node:fs'), /no AWS SDK, sockets or files/],
    ['the monitor rules send nothing themselves', 'shared/monitor/example.ts', use('../notify/ses.ts'), /pure code imports the model/],
    ['notifiers do not reach the stores', 'shared/notify/example.ts', use('../store/dynamo-stores.ts'), /notifiers are adapters/],
    ['schedulers do not reach the stores', 'shared/schedule/example.ts', use('../store/dynamo-stores.ts'), /schedulers are adapters/],
    ['the admin service does not schedule through AWS itself', 'shared/admin/example.ts', use('../schedule/aws-job-scheduler.ts'), /works on the ports/],
    ['pure code calls no AWS', 'shared/protocol/example.ts', use('@aws-sdk/client-kms'), /no AWS SDK/],
    ['pki sits below protocol', 'shared/pki/example.ts', use('../protocol/codec.ts'), /pki sits below protocol/],
    ['domain rules sit below pki', 'shared/domain/example.ts', use('../pki/index.ts'), /below pki and protocol/],
    ['issuers do not import the listener', 'shared/issuers/example.ts', use('../../listener/server.ts'), /shared\/ never imports listener/],
    ['stores do not import functions', 'shared/store/example.ts', use('../../functions/bootstrap.ts'), /shared\/ never imports/],
    ['issuers do not import stores', 'shared/issuers/acm-pca/example.ts', use('../../store/dynamo-stores.ts'), /issuers are adapters/],
    ['the sign service does not import an issuer', 'shared/signing/example.ts', use('../issuers/registry.ts'), /works on the ports/],
    ['the admin service does not import a store adapter', 'shared/admin/example.ts', use('../store/dynamo-stores.ts'), /works on the ports/],
    ['infra imports no runtime code', 'infra/constructs/example.ts', use('../../shared/issuers/registry.ts'), /imports no runtime code/],
    ['the CLI imports no test code', 'cli/example.ts', use('../test/support/devices.ts'), /imports no test code/],
    ['the CLI does not load test code later either', 'cli/local/example.ts', load('../../test/support/devices.ts'), /imports no test code \(dynamic import\)/],
    ['nor by a template path', 'cli/bench/example.ts', 'export async function later(name: string) {\n  return import(`../../test/support/${name}.ts`);\n}\n', /imports no test code \(dynamic import\)/],
    ['the listener does not import the CLI', 'listener/example.ts', use('../cli/options.ts'), /listener image holds shared/],
    ['a function does not import test code', 'functions/sign/example.ts', load('../../test/support/devices.ts'), /functions import shared\//],
  ])('%s', async (_rule, filePath, code, message) => {
    const problems = await importProblems(filePath, code);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it.each([
    ['ports import the model', 'shared/ports/example.ts', use('../model.ts')],
    ['pki imports the ports and domain rules', 'shared/pki/example.ts', `${use('../ports/index.ts')}import { LSC_VALIDITY_DAYS } from '../domain/parameters.ts';\nexport const days = LSC_VALIDITY_DAYS;\n`],
    ['an issuer loads its backend later', 'shared/issuers/acm-pca/example.ts', load('./acm-pca-issuer.ts')],
    ['the issuer factories are found by kind', 'shared/issuers/example.ts', 'export async function factory(kind: string) {\n  return import(`./${kind}/factory.ts`);\n}\n'],
    ['the listener wires adapters', 'listener/example.ts', use('../shared/store/dynamo-stores.ts')],
    ['the CLI composes the local stack', 'cli/local/example.ts', `${use('../../listener/server.ts')}${load('../../functions/sign/in-process-client.ts')}`],
  ])('allows: %s', async (_rule, filePath, code) => {
    expect(await importProblems(filePath, code)).toEqual([]);
  });
});
