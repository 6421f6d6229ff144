// `capf template` and `capf device set --template` through a running `capf serve`'s admin API, and one command on a
// data folder without it (the admin router then runs in the CLI's process over the folder's store): templates applied
// on creation, the default template, refusals with their exit codes.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capfRun, startServe, type ServeProcess } from '../../support/capf-process.ts';

let folder: string;
let env: NodeJS.ProcessEnv;
let serve: ServeProcess | undefined;
const capf = (...args: string[]) => capfRun(args, { env });

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'capf-template-cli-'));
  env = { ...process.env, CAPF_DATA_DIR: join(folder, 'data') };
  delete env.CAPF_ENDPOINT;
}, 60_000);
afterAll(async () => {
  await serve?.stop();
  await rm(folder, { recursive: true, force: true });
});

describe('capf template', () => {
  it('creates templates, applies one named or the default on creation, and refuses bad ones', { timeout: 240_000 }, async () => {
    // Without capf serve: the data folder's store, through the router in the CLI's process.
    const created = await capf('template', 'create', 'ec-lab', '--operation', 'install', '--key-order', 'ec', '--curve', 'P-521', '--deadline-days', '3', '--default', '--json');
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ name: 'ec-lab', isDefault: true, deadlineDays: 3 });
    serve = await startServe(['--port', '0', '--host', '127.0.0.1'], env);
    expect((await capf('template', 'create', 'strings', '--operation', 'install', '--auth-mode', 'auth-string')).code).toBe(0);
    const again = await capf('template', 'create', 'ec-lab');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('TEMPLATE_EXISTS');
    expect((await capf('template', 'create', 'x', '--deadline-days', '3')).stderr).toContain('needs an operation');

    const listed = await capf('template', 'list');
    expect(listed.stdout).toMatch(/ec-lab \*\s+install\s+-\s+ec P-521\s+3d/);

    const byDefault = JSON.parse((await capf('device', 'set', 'SEP0000000000B1', '--json')).stdout) as Record<string, unknown>;
    expect(byDefault).toMatchObject({ operation: 'install', keyOrder: 'ec', curve: 'P-521', status: 'pending' });
    expect(Date.parse(byDefault.completesBy as string) - Date.now()).toBeGreaterThan(2.9 * 86_400_000);
    const named = JSON.parse((await capf('device', 'set', 'SEP0000000000B2', '--template', 'strings', '--rsa-size', '4096', '--json')).stdout) as Record<string, unknown>;
    expect(named).toMatchObject({ authMode: 'auth-string', authStringSet: true, rsaKeySize: 4096, keyOrder: 'rsa', generatedAuthString: expect.stringMatching(/^\d{8}$/) });
    const missing = await capf('device', 'set', 'SEP0000000000B3', '--template', 'nope');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('template nope does not exist');

    expect((await capf('template', 'default', '--none')).stdout).toContain('no default template');
    expect(JSON.parse((await capf('device', 'set', 'SEP0000000000B4', '--json')).stdout)).toMatchObject({ operation: 'none', keyOrder: 'rsa' });
    expect((await capf('template', 'show', 'strings')).stdout).toContain('a string is generated per device');
    expect((await capf('template', 'delete', 'strings')).code).toBe(0);
    expect((await capf('template', 'show', 'strings')).code).toBe(2);
  });
});
