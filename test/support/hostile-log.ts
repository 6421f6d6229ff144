// What the listener logged about bad clients: every one must be logged exactly once, with a reason. Sessions are told
// apart by their session id; TLS failures (no session yet) are counted.
import { expect } from 'vitest';
import type { MemoryLogger } from '../../shared/logging.ts';

export type LogEntry = MemoryLogger['entries'][number];

export const TLS_FAILURE = 'tls handshake failed';

/** A notice that elements were skipped (newer firmware may send more, §3): information, not a verdict on the client. */
const NOTICES = new Set(['unknown-tags-skipped']);

/** Entries at warn or error from index `from` on, notices aside: what a misbehaving client earns. */
export function problemsSince(logger: MemoryLogger, from: number): LogEntry[] {
  return logger.entries.slice(from).filter((entry) => (entry.level === 'warn' || entry.level === 'error') && !NOTICES.has(entry.message));
}

/** Problem entries grouped by session id (entries without one, such as TLS failures, are left out). */
export function problemsBySession(entries: LogEntry[]): Map<number, LogEntry[]> {
  const bySession = new Map<number, LogEntry[]>();
  for (const entry of entries) {
    const id = entry.attributes.sessionId;
    if (typeof id !== 'number') continue;
    bySession.set(id, [...(bySession.get(id) ?? []), entry]);
  }
  return bySession;
}

/**
 * Since `from`: `tlsClients` TLS failures and `sessions` misbehaving sessions, each session with exactly one problem
 * entry, and every entry carrying a non-empty reason. Returns the problem entries per session.
 */
export function expectEachLoggedOnce(logger: MemoryLogger, from: number, expected: { tlsClients: number; sessions: number }): Map<number, LogEntry[]> {
  const problems = problemsSince(logger, from);
  for (const entry of problems) expect(String(entry.attributes.reason ?? entry.attributes.why ?? ''), `${entry.message} has a reason`).toMatch(/\S/);
  expect(problems.filter((entry) => entry.message === TLS_FAILURE), 'one line per TLS failure').toHaveLength(expected.tlsClients);
  const bySession = problemsBySession(problems);
  const repeated = [...bySession.entries()].filter(([, entries]) => entries.length !== 1);
  expect(repeated, 'sessions logged more than once').toEqual([]);
  expect(bySession.size, 'misbehaving sessions logged').toBe(expected.sessions);
  expect(problems, 'every problem line is a TLS failure or names its session').toHaveLength(expected.tlsClients + expected.sessions);
  return bySession;
}
