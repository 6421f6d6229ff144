import { describe, expect, it } from 'vitest';
import { PerKeyQueue } from '../../../listener/per-key-queue.ts';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('PerKeyQueue', () => {
  it('runs tasks of one key one at a time, in order, and tasks of other keys alongside', async () => {
    const queue = new PerKeyQueue();
    const log: string[] = [];
    let running = 0;
    let most = 0;
    const task = (name: string) => async () => {
      running++;
      most = Math.max(most, running);
      log.push(`start ${name}`);
      await tick();
      log.push(`end ${name}`);
      running--;
      return name;
    };
    const results = await Promise.all([queue.run('a', task('a1')), queue.run('a', task('a2')), queue.run('b', task('b1'))]);
    expect(results).toEqual(['a1', 'a2', 'b1']);
    expect(log.indexOf('end a1')).toBeLessThan(log.indexOf('start a2'));
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1'));
    expect(most).toBe(2);
  });

  it('goes on after a task that fails, passes the failure to its caller, and forgets keys with nothing queued', async () => {
    const queue = new PerKeyQueue();
    const failing = queue.run('a', () => Promise.reject(new Error('lost')));
    const next = queue.run('a', async () => 'after');
    expect(queue.size).toBe(1);
    await expect(failing).rejects.toThrow('lost');
    await expect(next).resolves.toBe('after');
    await tick();
    expect(queue.size).toBe(0);
  });
});
