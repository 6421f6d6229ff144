// A SignClient that signs for real and then reports a failure, as the listener sees a sign Lambda that timed out
// after its issuer had already signed: either the function's own timeout (FunctionError, SIGN_FUNCTION_ERROR) or the
// invoke call giving up on the client side (SIGN_FUNCTION_UNAVAILABLE). The messages are LambdaSignClient's.
import { IssuerError } from '../../shared/errors.ts';
import type { SignClient } from '../../shared/signing/sign-client.ts';
import type { SignRequestJson, SignResponse } from '../../shared/signing/sign-messages.ts';

export type SignFault = 'function-timeout' | 'invoke-timeout';

export const SIGN_FUNCTION_NAME = 'capf-sign';

export class FaultSignClient implements SignClient {
  /** Every request the listener sent, in order (a retry shows up as a second entry). */
  readonly requests: SignRequestJson[] = [];
  /** What each call ended with: the response status, or the injected fault. */
  readonly outcomes: Array<SignResponse['status'] | SignFault> = [];
  private faults: SignFault[] = [];

  constructor(private readonly inner: SignClient) {}

  /** The next `times` calls sign (the certificate is stored) and then fail with `fault`. */
  failAfterSigning(fault: SignFault, times = 1): this {
    for (let i = 0; i < times; i++) this.faults.push(fault);
    return this;
  }

  /** Drops the faults not used up yet. */
  clear(): void {
    this.faults = [];
  }

  async sign(request: SignRequestJson): Promise<SignResponse> {
    this.requests.push(request);
    const response = await this.inner.sign(request);
    const fault = this.faults.shift();
    if (!fault) {
      this.outcomes.push(response.status);
      return response;
    }
    this.outcomes.push(fault);
    if (fault === 'function-timeout') {
      throw new IssuerError(
        `sign function ${SIGN_FUNCTION_NAME} failed (Unhandled): Sandbox.Timedout: RequestId: ${request.requestId} Error: Task timed out after 30.00 seconds`,
        'SIGN_FUNCTION_ERROR',
      );
    }
    const cause = Object.assign(new Error('Request timed out after 30000 ms'), { name: 'TimeoutError' });
    throw new IssuerError(`invoking sign function ${SIGN_FUNCTION_NAME} failed (TimeoutError)`, 'SIGN_FUNCTION_UNAVAILABLE', { cause });
  }
}
