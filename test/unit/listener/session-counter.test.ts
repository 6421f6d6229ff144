// The session id (docs/protocol.md §1): starts at 1, one per connection, shared by everything holding the buffer,
// 32 bits wide, never 0.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { SessionCounter } from '../../../listener/session-counter.ts';

/** Start one worker drawing `count` ids from `counter` once `gate` opens; `ready` once it waits at the gate. */
function startDrawing(counter: SessionCounter, gate: Int32Array, count: number) {
  const worker = new Worker(new URL('./session-counter-worker.mjs', import.meta.url), {
    workerData: { counter: counter.buffer, gate: gate.buffer, count },
  });
  let ready!: () => void;
  let drawn!: (ids: Uint32Array) => void;
  let failed!: (error: Error) => void;
  const readiness = new Promise<void>((resolve) => (ready = resolve));
  const ids = new Promise<Uint32Array>((resolve, reject) => ((drawn = resolve), (failed = reject)));
  // A worker that dies before it is ready must fail the test, not hang it.
  const started = Promise.race([readiness, ids.then(() => undefined)]);
  worker.on('message', (message: unknown) => (message === 'ready' ? ready() : drawn(message as Uint32Array)));
  worker.on('error', failed);
  worker.on('exit', (code) => failed(new Error(`worker exited (${code}) before handing back its ids`)));
  ids.catch(() => undefined); // awaited later; this only keeps an early failure from counting as unhandled
  return { worker, started, ids };
}

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

  it('hands out no id twice when worker threads draw at the same time', async () => {
    const counter = new SessionCounter();
    const gate = new Int32Array(new SharedArrayBuffer(4));
    const threads = 3;
    const count = 300_000; // per thread, the main thread included: long enough that the draws overlap
    const drawing = Array.from({ length: threads }, () => startDrawing(counter, gate, count));
    try {
      await Promise.all(drawing.map((d) => d.started));
      Atomics.store(gate, 0, 1);
      Atomics.notify(gate, 0);
      const mine = new Uint32Array(count);
      for (let i = 0; i < count; i++) mine[i] = counter.next();
      const perThread = [mine, ...(await Promise.all(drawing.map((d) => d.ids)))];

      const total = count * (threads + 1);
      const all = new Uint32Array(total);
      perThread.forEach((ids, i) => all.set(ids, i * count));
      all.sort();
      const repeats = all.filter((id, i) => i > 0 && id === all[i - 1]).length;
      expect(repeats).toBe(0);
      expect(all[0]).toBe(1); // so none is 0
      expect(all[total - 1]).toBe(total);
      expect(new Int32Array(counter.buffer)[0]).toBe(total);
      // The draws really interleaved: some thread's ids are not one unbroken run (else this test proves nothing).
      const span = (ids: Uint32Array) => ids.reduce((a, b) => Math.max(a, b)) - ids.reduce((a, b) => Math.min(a, b)) + 1;
      const interleaved = perThread.filter((ids) => span(ids) > count);
      expect(interleaved.length).toBeGreaterThan(0);
    } finally {
      await Promise.all(drawing.map((d) => d.worker.terminate()));
    }
  });
});
