// The session id (capf-protocol.md §1): starts at 1, one per connection, shared by everything holding the buffer,
// 32 bits wide, never 0.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { SessionCounter } from '../../../listener/session-counter.ts';

describe('SessionCounter', () => {
  it('counts from 1, one id per call', () => {
    const counter = new SessionCounter();
    expect([counter.next(), counter.next(), counter.next()]).toEqual([1, 2, 3]);
  });

  it('two counters on one buffer draw from one sequence', () => {
    const a = new SessionCounter();
    const b = new SessionCounter(a.buffer);
    expect([a.next(), b.next(), a.next(), b.next()]).toEqual([1, 2, 3, 4]);
  });

  it('wraps at 2^32 and skips 0', () => {
    const counter = new SessionCounter();
    new Int32Array(counter.buffer)[0] = -2; // 0xFFFFFFFE as the 32-bit cell holds it
    expect([counter.next(), counter.next(), counter.next()]).toEqual([0xffffffff, 1, 2]);
  });

  it('hands out no id twice when a worker thread draws at the same time', async () => {
    const counter = new SessionCounter();
    const source = `
      const { workerData, parentPort } = require('node:worker_threads');
      const cell = new Int32Array(workerData);
      const ids = [];
      for (let i = 0; i < 20000; i++) ids.push((Atomics.add(cell, 0, 1) + 1) >>> 0);
      parentPort.postMessage(ids);`;
    const worker = new Worker(source, { eval: true, workerData: counter.buffer });
    const mine: number[] = [];
    const theirs = new Promise<number[]>((resolve) => worker.once('message', resolve));
    for (let i = 0; i < 20000; i++) mine.push(counter.next());
    const all = [...mine, ...(await theirs)];
    await worker.terminate();
    expect(new Set(all).size).toBe(40000);
    expect(Math.max(...all)).toBe(40000);
  });
});
