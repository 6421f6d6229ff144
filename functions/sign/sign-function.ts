// The sign function's definition (functions/bootstrap.ts runs it): the sign request's schema, the SignService as its
// dependency, and its work: sign, then log and count the outcome. Refusals are answers; a late ValidationError is a
// refusal too; anything else fails the invocation (the listener then retries once with the same request).
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { CapfError, ValidationError } from '../../shared/errors.ts';
import { signRequestSchema, type SignRequest, type SignResponse } from '../../shared/signing/sign-messages.ts';
import type { SignService } from '../../shared/signing/sign-service.ts';
import type { FunctionDefinition, FunctionTools } from '../bootstrap.ts';

export interface SignDeps {
  signService: SignService;
}

function refusal(code: string, reason: string, tools: FunctionTools): SignResponse {
  tools.logger?.warn('sign request refused', { code, reason });
  const single = tools.metrics?.singleMetric();
  single?.addDimension('code', code);
  single?.addMetric('Refusals', MetricUnit.Count, 1);
  return { status: 'refused', code, reason };
}

export function signFunction(deps: (tools: FunctionTools) => Promise<SignDeps>): FunctionDefinition<SignRequest, SignResponse, SignDeps> {
  return {
    input: signRequestSchema,
    deps,
    logKeys: (request) => ({ deviceName: request.deviceName, sessionId: request.sessionId, requestId: request.requestId }),
    invalidInput: (problems, tools) => {
      tools.metrics?.addMetric('SignRequests', MetricUnit.Count, 1);
      return refusal('INVALID_REQUEST', `the sign request is not valid: ${problems}`, tools);
    },
    async work(request, { signService }, tools) {
      const { logger, metrics } = tools;
      metrics?.addMetric('SignRequests', MetricUnit.Count, 1);
      const started = performance.now();
      try {
        const response = await signService.sign(request);
        if (response.status === 'issued') {
          logger?.info('certificate issued', { serialHex: response.certificate.serialHex });
          metrics?.addMetric('Issuances', MetricUnit.Count, 1);
        } else if (response.status === 'pending') {
          logger?.info('certificate pending', { message: response.message });
          metrics?.addMetric('Pending', MetricUnit.Count, 1);
        } else {
          return refusal(response.code, response.reason, tools);
        }
        return response;
      } finally {
        metrics?.addMetric('SignLatency', MetricUnit.Milliseconds, performance.now() - started);
      }
    },
    // Bad input discovered late is still an answer.
    answerFor: (error, tools) => (error instanceof ValidationError ? refusal(error.code, error.message, tools) : undefined),
    onFailure: (error, { logger, metrics }) => {
      const code = error instanceof CapfError ? error.code : 'UNEXPECTED';
      logger?.error('sign request failed', { code, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
      metrics?.addMetric('SignFailures', MetricUnit.Count, 1);
    },
  };
}
