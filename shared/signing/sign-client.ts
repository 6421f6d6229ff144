// How the listener asks for a certificate: through the sign Lambda (AWS) or by calling the same handler in-process
// (local stack, tests). Both answer a SignResponse, or throw IssuerError when the signer itself failed.
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { CapfError, errorName, IssuerError } from '../errors.ts';
import { createSignHandler, type SignHandler } from './sign-handler.ts';
import { signResponseSchema, type SignRequestJson, type SignResponse } from './sign-messages.ts';
import { SignService } from './sign-service.ts';

export interface SignClient {
  sign(request: SignRequestJson): Promise<SignResponse>;
}

/** A sign answer is a certificate and chain: a few tens of KiB at most. */
const MAX_ANSWER_BYTES = 262_144;

function text(bytes: Uint8Array | undefined): string {
  return bytes ? Buffer.from(bytes).toString('utf8') : '';
}

export class LambdaSignClient implements SignClient {
  constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
  ) {}

  async sign(request: SignRequestJson): Promise<SignResponse> {
    let answer;
    try {
      answer = await this.client.send(
        new InvokeCommand({ FunctionName: this.functionName, InvocationType: 'RequestResponse', Payload: new TextEncoder().encode(JSON.stringify(request)) }),
      );
    } catch (error) {
      throw new IssuerError(`invoking sign function ${this.functionName} failed (${errorName(error)})`, 'SIGN_FUNCTION_UNAVAILABLE', { cause: error });
    }
    if ((answer.Payload?.length ?? 0) > MAX_ANSWER_BYTES) {
      throw new IssuerError(`sign function ${this.functionName} answered with over ${MAX_ANSWER_BYTES} bytes`, 'SIGN_FUNCTION_BAD_ANSWER');
    }
    const body = text(answer.Payload);
    if (answer.FunctionError) {
      // The Node runtime reports a thrown error as { errorType, errorMessage, trace }.
      let detail = 'no details';
      try {
        const error = JSON.parse(body) as { errorType?: unknown; errorMessage?: unknown };
        detail = `${String(error.errorType ?? 'Error')}: ${String(error.errorMessage ?? '')}`.slice(0, 1000);
      } catch {
        detail = body.slice(0, 200);
      }
      throw new IssuerError(`sign function ${this.functionName} failed (${answer.FunctionError}): ${detail}`, 'SIGN_FUNCTION_ERROR');
    }
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new IssuerError(`sign function ${this.functionName} answered with something other than JSON`, 'SIGN_FUNCTION_BAD_ANSWER');
    }
    const parsed = signResponseSchema.safeParse(json);
    if (!parsed.success) throw new IssuerError(`sign function ${this.functionName} answered with an unexpected shape`, 'SIGN_FUNCTION_BAD_ANSWER');
    return parsed.data;
  }
}

/** Calls the sign handler in this process: the same validation, logging and metrics as the Lambda. */
export class InProcessSignClient implements SignClient {
  private readonly handler: SignHandler;

  /** Give the handler (from createSignHandler) or a SignService, which is wrapped in a handler without logger/metrics. */
  constructor(target: SignHandler | SignService) {
    this.handler = target instanceof SignService ? createSignHandler({ signService: target }) : target;
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
