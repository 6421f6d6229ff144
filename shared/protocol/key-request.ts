// Which key the server asks the phone for (F9) and whether the key the phone sent is that key.
import type { Device } from '../model.ts';
import type { PublicKeyDescription } from '../pki/spki.ts';
import { CurveCode } from './constants.ts';

export interface KeyRequest {
  keyType: 'rsa' | 'ec';
  rsaBits: number;
  curve: keyof typeof CurveCode;
}

export function firstKeyRequest(device: Device): KeyRequest {
  return { keyType: device.keyOrder === 'rsa' ? 'rsa' : 'ec', rsaBits: device.rsaKeySize, curve: device.curve };
}

export function describeRequest(request: KeyRequest): string {
  return request.keyType === 'rsa' ? `RSA-${request.rsaBits}` : `EC ${request.curve}`;
}

export function keyMismatch(request: KeyRequest, key: PublicKeyDescription): string | undefined {
  if (key.keyType !== request.keyType) return `asked for a ${describeRequest(request)} key, the phone sent ${key.keyType.toUpperCase()}`;
  if (key.keyType === 'rsa' && key.rsaBits !== request.rsaBits) return `asked for RSA-${request.rsaBits}, the phone sent RSA-${key.rsaBits}`;
  if (key.keyType === 'ec' && key.curve !== request.curve) return `asked for EC ${request.curve}, the phone sent EC ${key.curve}`;
  return undefined;
}
