// The key-generation wait is one deadline counted from the key request (docs/protocol.md §6 asks for a generous
// timeout, not a fresh one per REQUEST_IN_PROGRESS): each IN_PROGRESS re-arms only what is left of it.
import { describe, expect, it } from 'vitest';
import { CapfSession, Opcode, element, encodeMessage, decodeMessage, type SessionAction, type SessionInput } from '../../../shared/protocol/index.ts';
import { makeDevice } from '../../support/devices.ts';

const SESSION_ID = 7;
const context = { trustAnchorsDer: [], requireNameMatch: false, keyDelivery: 'public-key' as const, issuerName: 'capf-software' };

function phoneMessage(opcode: number, elements: Parameters<typeof encodeMessage>[2] = []): SessionInput {
  return { type: 'message', message: decodeMessage(encodeMessage(opcode, SESSION_ID, elements)) };
}

const awaits = (actions: SessionAction[]) => actions.filter((action) => action.type === 'await-reply');

/** A session in keygen (KEY_GENERATE_REQUEST sent) on a clock the test moves. */
function sessionInKeygen(keyOrder: 'rsa' | 'ec-rsa' = 'rsa') {
  let clock = Date.parse('2025-01-01T00:00:00Z');
  const session = new CapfSession(SESSION_ID, () => new Date(clock));
  session.handle({ type: 'start' });
  session.handle(phoneMessage(Opcode.AuthResponse, [element.version(3), element.deviceName('SEP001122334455')]));
  session.handle({ type: 'device', device: makeDevice({ keyOrder }), context });
  const request = session.handle({ type: 'operation-begun' });
  expect(session.currentState).toBe('keygen');
  expect(awaits(request)).toEqual([{ type: 'await-reply', timeout: 'keygen' }]);
  return { session, advance: (ms: number) => (clock += ms) };
}

describe('key-generation deadline', () => {
  it('REQUEST_IN_PROGRESS re-arms the keygen wait with the time already spent, not a fresh full wait', () => {
    const { session, advance } = sessionInKeygen();
    advance(40_000);
    expect(awaits(session.handle(phoneMessage(Opcode.RequestInProgress)))).toEqual([{ type: 'await-reply', timeout: 'keygen', elapsedMs: 40_000 }]);
    advance(50_000);
    expect(awaits(session.handle(phoneMessage(Opcode.RequestInProgress)))).toEqual([{ type: 'await-reply', timeout: 'keygen', elapsedMs: 90_000 }]);
    expect(session.currentState).toBe('keygen');
  });

  it('a new key request (EC refused, RSA fallback) starts a new deadline', () => {
    const { session, advance } = sessionInKeygen('ec-rsa');
    advance(30_000);
    const fallback = session.handle(phoneMessage(Opcode.KeyGenerateResponse, [element.reason(7)]));
    expect(fallback.some((action) => action.type === 'send' && action.opcode === Opcode.KeyGenerateRequest)).toBe(true);
    expect(awaits(fallback)).toEqual([{ type: 'await-reply', timeout: 'keygen' }]);
    advance(5_000);
    expect(awaits(session.handle(phoneMessage(Opcode.RequestInProgress)))).toEqual([{ type: 'await-reply', timeout: 'keygen', elapsedMs: 5_000 }]);
  });
});
