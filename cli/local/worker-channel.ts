// Messages from the cluster's primary to a listener worker. A worker on its way out (a drained worker exits at once
// when it holds no session) can still look connected while its channel closes: the write then fails with EPIPE, and
// Node emits that as an 'error' event on the Worker, which ends the primary when nothing listens (a second Ctrl-C did
// exactly that in a CI run). So every send passes a callback: a failed send means the worker is gone.
import type { Worker } from 'node:cluster';

/** Sends `message` unless the worker is gone; `onGone` runs when it is (before or while sending). */
export function sendToWorker(worker: Pick<Worker, 'isConnected' | 'send'>, message: object, onGone?: () => void): void {
  if (!worker.isConnected()) {
    onGone?.();
    return;
  }
  worker.send(message, (error: Error | null) => {
    if (error) onGone?.();
  });
}
