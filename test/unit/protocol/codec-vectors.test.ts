// Every complete hex vector of docs/protocol.md §9, encoded and decoded byte-exact.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  Opcode,
  Tag,
  decodeMessage,
  element,
  encodeMessage,
  readFields,
  type Element,
} from '../../../shared/protocol/index.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/[^0-9a-f]/gi, ''), 'hex');
const ascii = (s: string): string => Buffer.from(s, 'latin1').toString('hex');

interface Vector {
  name: string;
  wire: string;
  opcode: number;
  sessionId: number;
  elements: Element[];
}

const vectors: Vector[] = [
  {
    name: 'AUTH_REQ',
    wire: '55 01 00000001 0008 | 07 0001 03 | 08 0001 00',
    opcode: Opcode.AuthRequest,
    sessionId: 1,
    elements: [element.version(3), element.authType(0)],
  },
  {
    name: 'AUTH_RESP null auth',
    wire: `55 02 00000001 001f | 01 0001 01 | 07 0001 03 | 0d 0010 ${ascii('SEPAAAA00000001')}00 | 0b 0001 00`,
    opcode: Opcode.AuthResponse,
    sessionId: 1,
    elements: [element.reason(1), element.version(3), element.deviceName('SEPAAAA00000001'), element.password('')],
  },
  {
    name: 'KEYGEN_REQ RSA 2048',
    wire: '55 03 00000001 0009 | 0a 0002 0800 | 11 0001 00',
    opcode: Opcode.KeyGenerateRequest,
    sessionId: 1,
    elements: [element.keySize(2048), element.keyType(0)],
  },
  { name: 'IN_PROGRESS', wire: '55 11 00000001 0000', opcode: Opcode.RequestInProgress, sessionId: 1, elements: [] },
  {
    name: 'STORE_CERT_RESP',
    wire: '55 0a 00000001 0004 | 01 0001 01',
    opcode: Opcode.StoreCertificateResponse,
    sessionId: 1,
    elements: [element.reason(1)],
  },
  {
    name: 'END_SESSION 1',
    wire: '55 0f 00000001 0004 | 01 0001 01',
    opcode: Opcode.EndSession,
    sessionId: 1,
    elements: [element.reason(1)],
  },
  {
    name: 'KEYGEN_REQ EC P-256',
    wire: '55 03 00000002 0008 | 11 0001 01 | 12 0001 00',
    opcode: Opcode.KeyGenerateRequest,
    sessionId: 2,
    elements: [element.keyType(1), element.curve(0)],
  },
  {
    name: 'FETCH_REQ',
    wire: '55 0b 00000011 0000',
    opcode: Opcode.FetchCertificateRequest,
    sessionId: 0x11,
    elements: [],
  },
  {
    name: 'FETCH END',
    wire: '55 0f 00000011 0004 | 01 0001 00',
    opcode: Opcode.EndSession,
    sessionId: 0x11,
    elements: [element.reason(0)],
  },
  { name: 'DELETE_REQ', wire: '55 0d 00000013 0000', opcode: Opcode.DeleteCertificateRequest, sessionId: 0x13, elements: [] },
  {
    name: 'DELETE_RESP',
    wire: '55 0e 00000013 0004 | 01 0001 01',
    opcode: Opcode.DeleteCertificateResponse,
    sessionId: 0x13,
    elements: [element.reason(1)],
  },
  {
    name: 'END unknown device',
    wire: '55 0f 00000015 0004 | 01 0001 09',
    opcode: Opcode.EndSession,
    sessionId: 0x15,
    elements: [element.reason(9)],
  },
];

describe('§9 vectors', () => {
  it.each(vectors)('$name encodes byte-exact and decodes back', ({ wire, opcode, sessionId, elements }) => {
    const expected = hex(wire);
    const encoded = encodeMessage(opcode, sessionId, elements);
    expect(encoded.toString('hex')).toBe(expected.toString('hex'));
    const decoded = decodeMessage(expected);
    expect(decoded.opcode).toBe(opcode);
    expect(decoded.sessionId).toBe(sessionId);
    expect(decoded.elements.map((e) => [e.tag, Buffer.from(e.value).toString('hex')])).toEqual(
      elements.map((e) => [e.tag, Buffer.from(e.value).toString('hex')]),
    );
  });

  it('password 1234 and RSA-1024 key size', () => {
    expect(Buffer.from(encodeMessage(2, 1, [element.password('1234')]).subarray(8)).toString('hex')).toBe('0b00053132333400');
    expect(Buffer.from(encodeMessage(3, 1, [element.keySize(1024)]).subarray(8)).toString('hex')).toBe('0a00020400');
    const fields = readFields(decodeMessage(hex('55 02 00000001 0008 | 0b 0005 3132333400')).elements);
    expect(Buffer.from(fields.password ?? []).toString()).toBe('1234');
  });

  it('KEYGEN_RESP carries a 294-byte RSA-2048 SPKI with the header of §9', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const spki = publicKey.export({ type: 'spki', format: 'der' });
    expect(spki.length).toBe(294);
    const wire = encodeMessage(Opcode.KeyGenerateResponse, 1, [element.publicKey(spki)]);
    expect(wire.subarray(0, 11).toString('hex')).toBe(hex('55 04 00000001 0129 | 09 0126').toString('hex'));
    expect(wire.subarray(11, 11 + 19).toString('hex')).toBe(hex('3082 0122 300d 0609 2a864886f70d010101 0500').toString('hex'));
    expect(Buffer.from(readFields(decodeMessage(wire).elements).publicKey ?? []).equals(spki)).toBe(true);
  });

  it('EC P-256 KEYGEN_RESP body is 09 005b + 91-byte SPKI', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const spki = publicKey.export({ type: 'spki', format: 'der' });
    const wire = encodeMessage(Opcode.KeyGenerateResponse, 2, [element.publicKey(spki)]);
    expect(wire.subarray(8, 11).toString('hex')).toBe('09005b');
    expect(wire.subarray(11, 11 + 27).toString('hex')).toBe(hex('3059 3013 0607 2a8648ce3d0201 0608 2a8648ce3d030107 0342 00 04').toString('hex'));
  });

  it('STORE_CERT_REQ wraps an 856-byte LSC as 04 035d | 01 035a 00 01 | DER', () => {
    const der = Buffer.alloc(856, 0xab);
    const wire = encodeMessage(Opcode.StoreCertificateRequest, 1, [element.certificateType(1), element.certificate(der)]);
    expect(wire.subarray(0, 20).toString('hex')).toBe(hex('55 09 00000001 0364 | 03 0001 01 | 04 035d | 01 035a 00 01').toString('hex'));
    const fields = readFields(decodeMessage(wire).elements);
    expect(fields.certificateType).toBe(1);
    expect(fields.certificate?.certificateType).toBe(1);
    expect(Buffer.from(fields.certificate?.der ?? []).equals(der)).toBe(true);
  });

  it('FETCH_RESP header and certificate prefix for a 682-byte certificate', () => {
    const der = Buffer.alloc(0x2aa, 0x30);
    const wire = encodeMessage(Opcode.FetchCertificateResponse, 0x11, [element.reason(1), element.certificate(der)]);
    expect(wire.subarray(0, 20).toString('hex')).toBe(hex('55 0c 00000011 02b6 | 01 0001 01 | 04 02af 01 02ac 00 01').toString('hex'));
  });

  it('CUCM capture: AUTH_REQ body with VERSION only and a Jabber AUTH_RESP with VERSION 2', () => {
    expect(encodeMessage(1, 7, [element.version(3)]).subarray(8).toString('hex')).toBe('07000103');
    const body = hex(`07 0001 02 | 0d 0007 ${ascii('CSF123')}00 | 01 0001 01`);
    const header = Buffer.from([0x55, 0x02, 0, 0, 0, 7, 0, body.length]);
    const fields = readFields(decodeMessage(Buffer.concat([header, body])).elements);
    expect(fields).toMatchObject({ version: 2, deviceName: 'CSF123', reason: 1, unknownTags: [] });
    expect(encodeMessage(2, 7, [element.version(2), element.deviceName('CSF123'), element.reason(1)]).subarray(8)).toEqual(body);
  });

  it('SHA2_SIGNED_DATA and SUDI_DATA layouts (§9 LSC-RSA auth)', () => {
    const sig = Buffer.alloc(256, 7);
    expect(element.sha2SignedData(3, sig).value.length).toBe(259);
    expect(Buffer.from(element.sha2SignedData(3, sig).value.subarray(0, 3)).toString('hex')).toBe('030100');
    const sudi = element.sudi({
      certificate: { kind: 0, data: Buffer.alloc(768, 1) },
      sha1Signature: { kind: 1, data: sig },
      sha2Signature: { kind: 3, data: sig },
    });
    expect(sudi.value.length).toBe(1289);
    const fields = readFields([sudi, element.sha2SignedData(3, sig), { tag: Tag.DigestType, value: Uint8Array.of(1) }, { tag: 99, value: Uint8Array.of() }]);
    expect(fields.sudi?.certificate.data.length).toBe(768);
    expect(fields.sudi?.sha2Signature.kind).toBe(3);
    expect(fields.sha2SignedData?.hashAlgorithm).toBe(3);
    expect(fields.unknownTags).toEqual([99]);
  });
});
