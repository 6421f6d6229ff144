// The one way every Lambda is built (functions/bootstrap.ts), on a small function of its own: the event is validated
// by its schema, the dependencies are built once (and again after a failure), typed errors become answers or fail the
// invocation, and an invocation's log keys are on its lines only.
import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import { inProcessHandler, InvalidEventError, type FunctionDefinition } from '../../../functions/bootstrap.ts';
import { ConflictError, NotFoundError } from '../../../shared/errors.ts';

type Answer = { greeting: string } | { refused: string };

function greeter(overrides: Partial<FunctionDefinition<{ name: string }, Answer, { prefix: string }>> = {}) {
  let builds = 0;
  const definition: FunctionDefinition<{ name: string }, Answer, { prefix: string }> = {
    input: z.object({ name: z.string().min(1).max(20) }),
    deps: async () => ({ prefix: `hello #${++builds}` }),
    logKeys: (input) => ({ person: input.name }),
    work: async (input, deps, { logger }) => {
      logger?.info('greeting');
      if (input.name === 'gone') throw new NotFoundError('no such person');
      if (input.name === 'busy') throw new ConflictError('try later');
      return { greeting: `${deps.prefix} ${input.name}` };
    },
    answerFor: (error) => (error instanceof NotFoundError ? { refused: error.code } : undefined),
    ...overrides,
  };
  return { definition, builds: () => builds };
}

let lines: string[];
beforeEach(() => {
  lines = [];
  const capture = (chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter((line) => line.startsWith('{')));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
});
afterEach(() => vi.restoreAllMocks());

describe('functions/bootstrap', () => {
  it('validates the event: without an invalidInput answer a bad event fails with InvalidEventError naming the field', async () => {
    const handler = inProcessHandler(greeter().definition);
    const error = await handler({ name: 42 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidEventError);
    expect(error).toMatchObject({ code: 'INVALID_REQUEST' });
    expect((error as Error).message).toMatch(/name: /);
    const answered = inProcessHandler(greeter({ invalidInput: (problems) => ({ refused: problems }) }).definition);
    expect(await answered({})).toMatchObject({ refused: expect.stringMatching(/^name: /) });
  });

  it('builds the dependencies once, on the first invocation, and again only after a failed build', async () => {
    let attempts = 0;
    const { definition } = greeter({
      deps: async () => {
        attempts++;
        if (attempts === 1) throw new Error('the table is not there yet');
        return { prefix: `hello #${attempts}` };
      },
    });
    const handler = inProcessHandler(definition);
    await expect(handler({ name: 'ana' })).rejects.toThrow(/not there yet/);
    expect(await handler({ name: 'ana' })).toEqual({ greeting: 'hello #2 ana' });
    expect(await handler({ name: 'bo' })).toEqual({ greeting: 'hello #2 bo' });
    expect(attempts).toBe(2);
  });

  it('turns the errors the function maps into answers and lets the others fail the invocation, after onFailure', async () => {
    const failures: unknown[] = [];
    const handler = inProcessHandler(greeter({ onFailure: (error) => failures.push(error) }).definition);
    expect(await handler({ name: 'gone' })).toEqual({ refused: 'NOT_FOUND' });
    await expect(handler({ name: 'busy' })).rejects.toBeInstanceOf(ConflictError);
    expect(failures).toHaveLength(1);
  });

  it('puts the log keys on the invocation’s own lines only', async () => {
    const logger = new Logger({ serviceName: 'bootstrap-test' });
    const handler = inProcessHandler(greeter().definition, { logger });
    await handler({ name: 'ana' });
    await handler({ name: 'gone' });
    logger.info('between invocations');
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed.filter((line) => line.message === 'greeting').map((line) => line.person)).toEqual(['ana', 'gone']);
    expect(parsed.find((line) => line.message === 'between invocations')).not.toHaveProperty('person');
  });
});
