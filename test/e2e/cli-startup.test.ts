// `capf` loads a command's implementation only when that command runs: `capf --help` and the phone simulator start
// without the store (dynalite, LevelDB, the DynamoDB SDK), the Lambda SDK, the results schema (zod) or the logger.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const CAPF = join(process.cwd(), 'bin', 'capf.js');

// A module-resolution hook (ES modules) plus require.cache at exit (CommonJS) write every module the process loads.
const HOOKS = `import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(log, result.url + '\\n');
  return result;
}
`;
const PRELOAD = `import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
const log = process.env.CAPF_MODULE_LOG;
register(new URL('./hooks.mjs', import.meta.url), { data: { log } });
const require = createRequire(import.meta.url);
process.on('exit', () => appendFileSync(log, Object.keys(require.cache).join('\\n') + '\\n'));
`;

/** Packages none of the checked commands may load. */
const HEAVY = ['dynalite', 'classic-level', '@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb', '@aws-sdk/client-lambda', 'zod', '@aws-lambda-powertools/logger'];

let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'capf-startup-'));
  await writeFile(join(folder, 'hooks.mjs'), HOOKS);
  await writeFile(join(folder, 'preload.mjs'), PRELOAD);
});

afterAll(() => rm(folder, { recursive: true, force: true }));

/** Runs `capf ...args` and returns its output and the packages (node_modules/<name>) it loaded. */
async function capfLoading(name: string, ...args: string[]): Promise<{ stdout: string; code: number; packages: Set<string> }> {
  const log = join(folder, `${name}.log`);
  await writeFile(log, '');
  const outcome = await run(process.execPath, ['--import', join(folder, 'preload.mjs'), CAPF, ...args], {
    env: { ...process.env, CAPF_MODULE_LOG: log, CAPF_DATA_DIR: folder },
    timeout: 60_000,
  }).then(
    ({ stdout }) => ({ stdout, code: 0 }),
    (error: { stdout: string; code: number }) => ({ stdout: error.stdout, code: error.code }),
  );
  const packages = new Set<string>();
  for (const match of (await readFile(log, 'utf8')).matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)) packages.add(match[1] as string);
  return { ...outcome, packages };
}

describe('what `capf` loads before a command runs', () => {
  it('shows --help without loading the store, the SDK clients, zod or the logger', async () => {
    const help = await capfLoading('help', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: capf/);
    for (const name of ['serve', 'device', 'params', 'phone', 'bench', 'certsrv-emulator']) expect(help.stdout).toContain(name);
    expect(help.packages).toContain('commander'); // the log does see packages
    for (const heavy of HEAVY) expect(help.packages, heavy).not.toContain(heavy);
  });

  it('runs a phone session without loading the store', async () => {
    const phone = await capfLoading('phone', 'phone', 'install', 'SEP001122334455', '--insecure', '--port', '9', '--timeout', '2000');
    expect(phone.code).toBe(1); // nothing listens on port 9
    expect(phone.stdout).toMatch(/session 0 with 127\.0\.0\.1:9/);
    expect(phone.packages).toContain('@peculiar/x509'); // the simulator itself did load
    for (const heavy of HEAVY) expect(phone.packages, heavy).not.toContain(heavy);
  });
});
