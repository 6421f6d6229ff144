// The sign function called in this process, through the same bootstrap chain as the Lambda (validation, typed
// errors): the local stack's adapter for the sign call, where AWS uses LambdaSignClient.
import { CapfError, IssuerError } from '../../shared/errors.ts';
import type { SignClient } from '../../shared/signing/sign-client.ts';
import type { SignRequestJson, SignResponse } from '../../shared/signing/sign-messages.ts';
import { SignService } from '../../shared/signing/sign-service.ts';
import { inProcessHandler, type FunctionTools } from '../bootstrap.ts';
import { signFunction } from './sign-function.ts';

export type SignHandler = (event: unknown) => Promise<SignResponse>;

/** The sign function in this process over `signService` (with `tools` to observe it, as tests do). */
export function inProcessSignHandler(signService: SignService | (() => Promise<SignService>), tools: FunctionTools = {}): SignHandler {
  const build = typeof signService === 'function' ? signService : async () => signService;
  return inProcessHandler(signFunction(async () => ({ signService: await build() })), tools);
}

export class InProcessSignClient implements SignClient {
  private readonly handler: SignHandler;

  /** Give a SignService (the sign function is built over it) or a handler. */
  constructor(target: SignHandler | SignService) {
    this.handler = target instanceof SignService ? inProcessSignHandler(target) : target;
  }

  async sign(request: SignRequestJson): Promise<SignResponse> {
    try {
      return await this.handler(request);
    } catch (error) {
      // Same contract as the Lambda client: the signer failing is an IssuerError (the original code is kept).
      if (error instanceof IssuerError) throw error;
      const code = error instanceof CapfError ? error.code : 'SIGN_FUNCTION_ERROR';
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new IssuerError(`sign handler failed: ${message}`, code, { cause: error });
    }
  }
}
