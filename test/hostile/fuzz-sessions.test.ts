// Random sessions from fast-check through a real TLS socket, in rounds, each round alongside a well-behaved phone.
// Every session ends; the listener logs each exactly once (a problem with its reason, or a normal end); the phones
// enrol within their per-message timeout; and the heap after the last round is no larger than after the first, give
// or take a bound: nothing is kept per session.
//
// CAPF_FUZZ_SESSIONS sets the number of sessions (default 10,000, the full run: about 30 s alone on two cores,
// about a minute beside the other test files). CAPF_FUZZ_SEED replays a run.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Reason } from '../../shared/protocol/index.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';
import { pool, type Endpoint } from '../support/hostile-clients.ts';
import { FUZZ_DEVICES, drawScripts, runFuzzSession, type FuzzOutcome } from '../support/hostile-fuzz.ts';
import { expectConsistent } from '../support/fault-stack.ts';
import { problemsBySession, problemsSince } from '../support/hostile-log.ts';

const SESSIONS = Number(process.env.CAPF_FUZZ_SESSIONS ?? 10_000);
const SEED = Number(process.env.CAPF_FUZZ_SEED ?? Date.now() % 2 ** 31);
const ROUNDS = 8;
const CONCURRENCY = 8;
/** How long a fuzz client waits for the server's answer before sending its next frame. */
const REPLY_WAIT_MS = 40;
const PHONE_TARGET_MS = 10_000;
/** Heap growth allowed from the end of the first round to the end of the last (after a full GC each time). */
const HEAP_GROWTH_BOUND = 24 * 1024 * 1024;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let t: TestStack;
let endpoint: Endpoint;

beforeAll(async () => {
  t = await startTestStack({ messageTimeoutMs: 1_000, handshakeTimeoutMs: 1_000 });
  endpoint = { host: '127.0.0.1', port: t.port, caPem: t.caPem };
  await t.setDevice({ name: FUZZ_DEVICES.install, keyOrder: 'ec' });
  await t.setDevice({ name: FUZZ_DEVICES.none, operation: 'none' });
});
afterAll(() => t.close());

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/**
 * Each session's verdict in the log: exactly one problem line (warn/error, with a reason) or exactly one normal end
 * (END_SESSION 0 or 1), never both, and the one that matches the END_SESSION the client received.
 */
function checkVerdicts(outcomes: FuzzOutcome[]): void {
  const problems = problemsBySession(problemsSince(t.logger, 0));
  const normalEnds = new Map<number, number>();
  for (const entry of t.logger.entries) {
    const id = entry.attributes.sessionId;
    if (entry.level === 'info' && entry.message === 'session-ended' && typeof id === 'number' && (entry.attributes.endReason === 0 || entry.attributes.endReason === 1)) {
      normalEnds.set(id, (normalEnds.get(id) ?? 0) + 1);
    }
  }
  const wrong = outcomes.flatMap((outcome) => {
    const lines = problems.get(outcome.sessionId) ?? [];
    const ends = normalEnds.get(outcome.sessionId) ?? 0;
    // A client that closed first may have missed the END_SESSION the server had sent: either verdict then.
    const verdictSeen = outcome.endReason === undefined ? lines.length + ends : outcome.endReason <= Reason.UpdateCertificate ? ends : lines.length;
    const ok = lines.length + ends === 1 && verdictSeen === 1 && lines.every((l) => /\S/.test(String(l.attributes.reason ?? l.attributes.why ?? '')));
    return ok ? [] : [{ outcome, lines: lines.map((l) => `${l.message}: ${String(l.attributes.reason ?? l.attributes.why)}`), normalEnds: ends }];
  });
  expect(wrong, `sessions not logged exactly once (seed ${SEED})`).toEqual([]);
}

describe(`${SESSIONS} random sessions through a real socket (seed ${SEED})`, () => {
  it('every session ends and is logged once, phones keep enrolling, and the heap stays bounded', { timeout: 600_000 }, async () => {
    const scripts = drawScripts(SESSIONS, SEED);
    const perRound = Math.ceil(SESSIONS / ROUNDS);
    let ticket: Buffer | undefined;
    const heap: number[] = [];
    const ends = new Map<string, number>();
    const failedIn = new Map<string, number>();
    for (let round = 0; round < ROUNDS; round++) {
      const phoneName = `SEP00000000FB${round.toString(16).toUpperCase().padStart(2, '0')}`;
      await t.setDevice({ name: phoneName, keyOrder: 'ec' });
      const batch = scripts.slice(round * perRound, (round + 1) * perRound);
      const [outcomes, phone] = await Promise.all([
        pool(batch, CONCURRENCY, (script) => runFuzzSession(endpoint, script, ticket ? { session: ticket } : {}, REPLY_WAIT_MS, (next) => (ticket = next))),
        t.phone(phoneName, { timeoutMs: PHONE_TARGET_MS }),
      ]);
      expect(phone.endReason, `round ${round}: ${phone.error ?? ''}`).toBe(Reason.UpdateCertificate);
      await expect.poll(() => t.stack.listener.stats.active, { timeout: 10_000 }).toBe(0);
      expect(new Set(outcomes.map((o) => o.sessionId)).size).toBe(outcomes.length);
      checkVerdicts(outcomes);
      for (const outcome of outcomes) ends.set(String(outcome.endReason ?? 'closed'), (ends.get(String(outcome.endReason ?? 'closed')) ?? 0) + 1);
      for (const entry of t.logger.entries) if (entry.message === 'session-failed') failedIn.set(String(entry.attributes.state), (failedIn.get(String(entry.attributes.state)) ?? 0) + 1);
      t.logger.entries.length = 0; // tallied: drop them, so the heap measures the listener, not the test's log
      heap.push(heapAfterGc());
    }
    // The server ended most sessions itself, and the fuzzer got past authentication into the install often enough.
    expect(ends.get(String(Reason.InvalidElement)) ?? 0).toBeGreaterThan(SESSIONS / 4);
    expect(ends.get(String(Reason.UnknownDevice)) ?? 0).toBeGreaterThan(0);
    expect(failedIn.get('keygen') ?? 0).toBeGreaterThan(0);
    expect((heap.at(-1) as number) - (heap[0] as number)).toBeLessThan(HEAP_GROWTH_BOUND);
    // The device the fuzzer drove into installs: consistent, and one issuance at most for the one key it ever sent.
    const { issuances } = await expectConsistent(t.stack.store, FUZZ_DEVICES.install);
    expect(issuances.length).toBeLessThanOrEqual(1);
    console.info(
      `fuzz: ${SESSIONS} sessions, seed ${SEED}, ends ${JSON.stringify(Object.fromEntries(ends))}, failed in ${JSON.stringify(Object.fromEntries(failedIn))}, ` +
        `heap MiB ${heap.map((h) => (h / 2 ** 20).toFixed(1)).join(' ')}`,
    );
  });
});
