// Option parsers of the `capf` command (cli/options.ts).
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { RSA_KEY_SIZES } from '../../../shared/model.ts';
import { oneOfNumbers } from '../../../cli/options.ts';

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
