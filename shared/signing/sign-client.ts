// How the listener asks for a certificate: through the sign Lambda (AWS, here) or by calling the same function
// in-process (local stack, tests: functions/sign/in-process-client.ts). Both answer a SignResponse, or throw
// IssuerError when the signer itself failed.
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { errorName, IssuerError } from '../errors.ts';
import { signResponseSchema, type SignRequestJson, type SignResponse } from './sign-messages.ts';

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
