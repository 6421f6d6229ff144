// Option parsers of the `capf` command (cli/options.ts).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RSA_KEY_SIZES } from '../../../shared/model.ts';
import { deadline, defaultDataDir, hostPort, oneOfNumbers } from '../../../cli/options.ts';

describe('oneOfNumbers', () => {
  const rsaSize = oneOfNumbers(RSA_KEY_SIZES);

  it('gives the number of an allowed value', () => {
    expect(RSA_KEY_SIZES.map((size) => rsaSize(String(size)))).toEqual([1024, 2048, 3072, 4096]);
  });

  it.each(['512', '02048', '0x800', '2048.0', ' 2048', ''])('refuses %j with the allowed values', (value) => {
    expect(() => rsaSize(value)).toThrow(InvalidArgumentError);
    expect(() => rsaSize(value)).toThrow('must be one of 1024, 2048, 3072, 4096');
  });
});

describe('deadline', () => {
  const now = new Date('2026-06-01T12:00:00.000Z');

  it('takes a span from now or a future date', () => {
    expect(deadline('7d', now)).toBe('2026-06-08T12:00:00.000Z');
    expect(deadline('2026-06-02T00:00:00Z', now)).toBe('2026-06-02T00:00:00.000Z');
  });

  it.each(['2026-05-31T00:00:00Z', '2026-06-01T12:00:00Z', '0d'])('refuses %j, which is not in the future', (value) => {
    expect(() => deadline(value, now)).toThrow(InvalidArgumentError);
  });

  it('says which moment is past', () => {
    expect(() => deadline('2020-01-01', now)).toThrow(/2020-01-01T00:00:00.000Z is in the past/);
  });
});

describe('defaultDataDir', () => {
  const saved = process.env.CAPF_DATA_DIR;
  let root: string;

  beforeEach(async () => {
    delete process.env.CAPF_DATA_DIR;
    root = await mkdtemp(join(tmpdir(), 'capf-walk-'));
  });

  afterEach(async () => {
    if (saved === undefined) delete process.env.CAPF_DATA_DIR;
    else process.env.CAPF_DATA_DIR = saved;
    await rm(root, { recursive: true, force: true });
  });

  it('finds .capf in a folder above, as git finds .git', async () => {
    await mkdir(join(root, '.capf'));
    await mkdir(join(root, 'a', 'b'), { recursive: true });
    expect(defaultDataDir(join(root, 'a', 'b'))).toBe(join(root, '.capf'));
  });

  it('takes ./.capf when there is none above, and a file named .capf does not count', async () => {
    await mkdir(join(root, 'a'));
    await writeFile(join(root, '.capf'), 'not a folder');
    expect(defaultDataDir(join(root, 'a'))).toBe(join(root, 'a', '.capf'));
  });

  it('prefers CAPF_DATA_DIR', async () => {
    process.env.CAPF_DATA_DIR = join(root, 'elsewhere');
    await mkdir(join(root, '.capf'));
    expect(defaultDataDir(root)).toBe(join(root, 'elsewhere'));
  });
});

describe('hostPort', () => {
  it('puts IPv6 addresses in brackets', () => {
    expect(hostPort('::1', 3804)).toBe('[::1]:3804');
    expect(hostPort('127.0.0.1', 3804)).toBe('127.0.0.1:3804');
  });
});
