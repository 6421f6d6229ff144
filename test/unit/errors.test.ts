// One hierarchy, one argument order: every error class takes (message, code, options), like Error's (message, options).
import { describe, expect, it } from 'vitest';
import { PhoneSimulatorError } from '../../cli/phone/types.ts';
import { AuthenticationError, CapfError, ConfigError, IssuerError, NotificationError, ProtocolError, StoreError, ValidationError } from '../../shared/errors.ts';
import { MicrosoftCaError } from '../../shared/issuers/microsoft-ca/errors.ts';

describe('the error hierarchy', () => {
  it.each([CapfError, ProtocolError, AuthenticationError, ValidationError, ConfigError, StoreError, IssuerError, NotificationError, PhoneSimulatorError])(
    '%o takes (message, code)',
    (ErrorClass) => {
      const error = new ErrorClass('what happened', 'SOME_CODE');
      expect(error).toBeInstanceOf(CapfError);
      expect({ message: error.message, code: error.code, name: error.name }).toEqual({ message: 'what happened', code: 'SOME_CODE', name: ErrorClass.name });
    },
  );

  it('MicrosoftCaError too, with its typed code and a cause', () => {
    const cause = new Error('socket hang up');
    const error = new MicrosoftCaError('the site closed the connection', 'CONNECTION_RESET', { cause });
    expect(error).toBeInstanceOf(IssuerError);
    expect({ message: error.message, code: error.code, cause: error.cause }).toEqual({ message: 'the site closed the connection', code: 'CONNECTION_RESET', cause });
  });
});
