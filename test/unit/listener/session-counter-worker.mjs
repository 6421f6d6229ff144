// Worker thread for session-counter.test.ts: draws ids from the real SessionCounter on the shared buffer, starting
// only when the test opens the gate, so that every thread draws at the same time. Plain JavaScript because Node 20
// does not apply `--import tsx` to a worker's entry point; the TypeScript it tests is loaded through tsx's API.
import { parentPort, workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

const { SessionCounter } = await tsImport('../../../listener/session-counter.ts', import.meta.url);

/** @type {{ counter: SharedArrayBuffer, gate: SharedArrayBuffer, count: number }} gate: Int32 cell, 0 until opened. */
const { counter: shared, gate: gateBuffer, count } = workerData;
const counter = new SessionCounter(shared);
const gate = new Int32Array(gateBuffer);
const ids = new Uint32Array(count);

parentPort.postMessage('ready');
Atomics.wait(gate, 0, 0); // returns at once if the gate is already open
for (let i = 0; i < count; i++) ids[i] = counter.next();
parentPort.postMessage(ids, [ids.buffer]);
