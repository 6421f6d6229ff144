// The primary's sends to a listener worker whose channel is closing: Node reports the failed write to the callback when
// there is one, and otherwise emits 'error' on the Worker, which ended the primary on a second Ctrl-C in a CI run. The
// fake worker below reports a failed write the way Node's child_process does.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { sendToWorker } from '../../../cli/local/worker-channel.ts';

/** A worker that looks connected but whose channel is closing: every write fails with EPIPE, reported as Node does. */
class ClosingWorker extends EventEmitter {
  connected = true;
  isConnected(): boolean {
    return this.connected;
  }
  send(_message: unknown, callback?: (error: Error | null) => void): boolean {
    const error = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    if (typeof callback === 'function') process.nextTick(callback, error);
    else process.nextTick(() => this.emit('error', error));
    return false;
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('sendToWorker', () => {
  it('takes a failed write as the worker gone: no error event, onGone called', async () => {
    const worker = new ClosingWorker();
    const errors: Error[] = [];
    worker.on('error', (error: Error) => errors.push(error));
    let gone = 0;
    sendToWorker(worker as never, { type: 'report', id: 1 }, () => gone++);
    await tick();
    expect(errors).toEqual([]);
    expect(gone).toBe(1);
  });

  it('does not write to a disconnected worker, and says it is gone', async () => {
    const worker = new ClosingWorker();
    worker.connected = false;
    let gone = 0;
    let sent = 0;
    worker.send = () => (sent++, true);
    sendToWorker(worker as never, { type: 'drain' }, () => gone++);
    await tick();
    expect({ gone, sent }).toEqual({ gone: 1, sent: 0 });
  });

  it('a failed write without onGone is still no error event', async () => {
    const worker = new ClosingWorker();
    const errors: Error[] = [];
    worker.on('error', (error: Error) => errors.push(error));
    sendToWorker(worker as never, { type: 'end-grace', reason: 'test' });
    await tick();
    expect(errors).toEqual([]);
  });
});
