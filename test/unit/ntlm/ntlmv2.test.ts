import { describe, expect, it } from 'vitest';
import {
  AvId,
  NtlmFlags,
  decodeAuthenticate,
  decodeAvPairs,
  decodeChallenge,
  encodeAvPairs,
  encodeChallenge,
  encodeNegotiate,
  decodeNegotiateFlags,
} from '../../../shared/issuers/ntlm/messages.ts';
import {
  CLIENT_NEGOTIATE_FLAGS,
  channelBindingsHash,
  clientChallengeBlob,
  createAuthenticateMessage,
  fileTime,
  fileTimeToMs,
  lmv2Response,
  ntlmv2Response,
  ntowfv2,
  splitNtlmUser,
} from '../../../shared/issuers/ntlm/ntlmv2.ts';

// MS-NLMP 4.2.1 common values and 4.2.4 NTLMv2 results.
const SERVER_CHALLENGE = Buffer.from('0123456789abcdef', 'hex');
const CLIENT_CHALLENGE = Buffer.alloc(8, 0xaa);
const SPEC_TARGET_INFO = encodeAvPairs([
  { id: AvId.NB_DOMAIN_NAME, value: Buffer.from('Domain', 'utf16le') },
  { id: AvId.NB_COMPUTER_NAME, value: Buffer.from('Server', 'utf16le') },
]);
// The CHALLENGE_MESSAGE of MS-NLMP 4.2.4.3.
const SPEC_CHALLENGE = Buffer.from(
  '4e544c4d53535000020000000c000c003800000033828ae20123456789abcdef00000000000000002400240044000000' +
    '060070170000000f53006500720076006500720002000c0044006f006d00610069006e0001000c00530065007200760065007200' +
    '00000000',
  'hex',
);
const ZERO_FILETIME_MS = fileTimeToMs(Buffer.alloc(8));

describe('NTLMv2 against the MS-NLMP 4.2.4 test vectors', () => {
  it('NTOWFv2("Password", "User", "Domain")', () => {
    expect(ntowfv2('Password', 'User', 'Domain').toString('hex')).toBe('0c868a403bfd7a93a3001ef22ef02e3f');
  });

  it('builds the client challenge blob ("temp") byte for byte', () => {
    const blob = clientChallengeBlob(Buffer.alloc(8), CLIENT_CHALLENGE, SPEC_TARGET_INFO);
    expect(blob.toString('hex')).toBe(
      '0101000000000000' + '0000000000000000' + 'aaaaaaaaaaaaaaaa' + '00000000' +
        '02000c0044006f006d00610069006e00' + '01000c00530065007200760065007200' + '00000000' + '00000000',
    );
  });

  it('computes NTProofStr, the session base key and the LMv2 response', () => {
    const key = ntowfv2('Password', 'User', 'Domain');
    const blob = clientChallengeBlob(Buffer.alloc(8), CLIENT_CHALLENGE, SPEC_TARGET_INFO);
    const response = ntlmv2Response(key, SERVER_CHALLENGE, blob);
    expect(response.ntProofStr.toString('hex')).toBe('68cd0ab851e51c96aabc927bebef6a1c');
    expect(response.sessionBaseKey.toString('hex')).toBe('8de40ccadbc14a82f15cb0ad0de95ca3');
    expect(lmv2Response(key, SERVER_CHALLENGE, CLIENT_CHALLENGE).toString('hex')).toBe(
      '86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa',
    );
  });

  it('decodes the specification CHALLENGE_MESSAGE', () => {
    const challenge = decodeChallenge(SPEC_CHALLENGE);
    expect(challenge.flags >>> 0).toBe(0xe28a8233);
    expect(challenge.targetName).toBe('Server');
    expect(challenge.serverChallenge.equals(SERVER_CHALLENGE)).toBe(true);
    expect(challenge.targetInfo.equals(SPEC_TARGET_INFO)).toBe(true);
  });

  it('hashes channel bindings like the EPA example (tls-server-end-point)', () => {
    const data = Buffer.concat([
      Buffer.from('tls-server-end-point:', 'latin1'),
      Buffer.from('ea05fefecc6b0bd571dbbc5baa3ed45386d0446835f7b74c85621b9983475f95', 'hex'),
    ]);
    expect(channelBindingsHash(data).toString('hex')).toBe('6586e99d81c2fc984e47172fd4dd0310');
  });

  it('answers the specification challenge with the expected EPA + MIC proof', () => {
    const data = Buffer.concat([
      Buffer.from('tls-server-end-point:', 'latin1'),
      Buffer.from('ea05fefecc6b0bd571dbbc5baa3ed45386d0446835f7b74c85621b9983475f95', 'hex'),
    ]);
    const message = createAuthenticateMessage({
      negotiate: encodeNegotiate(CLIENT_NEGOTIATE_FLAGS),
      challenge: SPEC_CHALLENGE,
      username: 'Domain\\User',
      password: 'Password',
      channelBindingData: data,
      targetSpn: 'HTTP/Server',
      now: ZERO_FILETIME_MS,
      clientChallenge: CLIENT_CHALLENGE,
    });
    const decoded = decodeAuthenticate(message);
    expect(decoded.user).toBe('User');
    expect(decoded.domain).toBe('Domain');
    // The proof with Domain, Server, MsvAvFlags(MIC), channel bindings and HTTP/Server target info.
    expect(decoded.ntResponse.subarray(0, 16).toString('hex')).toBe('010c0bd14ef7a29689c0c19ceae8b7df');
    expect(decoded.lmResponse.toString('hex')).toBe('86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa');
    expect(decoded.flags & NtlmFlags.UNICODE).toBe(NtlmFlags.UNICODE);
    expect(decoded.mic?.equals(Buffer.alloc(16))).toBe(false);
  });
});

describe('NTLM message codec', () => {
  it('round-trips a challenge with a server timestamp and the client echoes it with a zero LM response', () => {
    const now = Date.UTC(2026, 10, 27, 8, 0, 0);
    const targetInfo = encodeAvPairs([
      { id: AvId.NB_DOMAIN_NAME, value: Buffer.from('CORP', 'utf16le') },
      { id: AvId.TIMESTAMP, value: fileTime(now) },
    ]);
    const challenge = encodeChallenge({ flags: CLIENT_NEGOTIATE_FLAGS, serverChallenge: SERVER_CHALLENGE, targetName: 'CORP', targetInfo });
    const message = decodeAuthenticate(
      createAuthenticateMessage({ negotiate: encodeNegotiate(CLIENT_NEGOTIATE_FLAGS), challenge, username: 'capf@corp.example', password: 'x' }),
    );
    expect(message.user).toBe('capf@corp.example');
    expect(message.domain).toBe('');
    expect(message.lmResponse.equals(Buffer.alloc(24))).toBe(true);
    const blob = message.ntResponse.subarray(16);
    expect(fileTimeToMs(blob.subarray(8, 16))).toBe(now);
    const echoed = decodeAvPairs(blob.subarray(28));
    expect(echoed.map((p) => p.id)).toEqual([AvId.NB_DOMAIN_NAME, AvId.TIMESTAMP, AvId.FLAGS]);
  });

  it('refuses truncated, oversized and mistyped messages with a typed error', () => {
    expect(() => decodeChallenge(Buffer.from('NTLMSSP\0', 'latin1'))).toThrow(/at least 32 bytes/);
    expect(() => decodeChallenge(Buffer.alloc(9000))).toThrow(/over 8192/);
    expect(() => decodeChallenge(encodeNegotiate(CLIENT_NEGOTIATE_FLAGS))).toThrow(/expected message type 2, got 1/);
    const broken = Buffer.from(SPEC_CHALLENGE);
    broken.writeUInt16LE(500, 40); // TargetInfo length beyond the message
    expect(() => decodeChallenge(broken)).toThrow(/TargetInfo .* runs past the end/);
    expect(() => decodeChallenge(Buffer.alloc(40))).toThrow(expect.objectContaining({ code: 'NTLM_MALFORMED', name: 'ProtocolError' }));
    expect(() => decodeAvPairs(Buffer.from([2, 0, 9, 0, 1]))).toThrow(/runs past the end/);
    expect(decodeNegotiateFlags(encodeNegotiate(CLIENT_NEGOTIATE_FLAGS))).toBe(CLIENT_NEGOTIATE_FLAGS);
  });

  it('splits the three user name forms', () => {
    expect(splitNtlmUser('CORP\\capf')).toEqual({ domain: 'CORP', user: 'capf' });
    expect(splitNtlmUser('capf@corp.example')).toEqual({ domain: '', user: 'capf@corp.example' });
    expect(splitNtlmUser('capf')).toEqual({ domain: '', user: 'capf' });
  });
});
