// The sign handler's body: validate the event, run the SignService, log and count the outcome. The Lambda entry
// (functions/sign/handler.ts) wraps it in middy; the local stack and tests call it in-process, so both run the same code.
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { CapfError, ValidationError } from '../errors.ts';
import { describeRequestProblems, signRequestSchema, type SignResponse } from './sign-messages.ts';
import type { SignService } from './sign-service.ts';

export interface SignHandlerDeps {
  /** The service, or a factory called on first use (once per container) and again only if it failed. */
  signService: SignService | (() => Promise<SignService>);
  logger?: Logger;
  metrics?: Metrics;
}

export type SignHandler = (event: unknown) => Promise<SignResponse>;

const LOG_KEYS = ['deviceName', 'sessionId', 'requestId'];

export function createSignHandler(deps: SignHandlerDeps): SignHandler {
  const { logger, metrics } = deps;
  let service: Promise<SignService> | undefined;
  const resolveService = (): Promise<SignService> => {
    if (typeof deps.signService !== 'function') return Promise.resolve(deps.signService);
    service ??= deps.signService().catch((error: unknown) => {
      service = undefined;
      throw error;
    });
    return service;
  };

  const countRefusal = (code: string) => {
    if (!metrics) return;
    const single = metrics.singleMetric();
    single.addDimension('code', code);
    single.addMetric('Refusals', MetricUnit.Count, 1);
  };

  return async (event: unknown): Promise<SignResponse> => {
    metrics?.addMetric('SignRequests', MetricUnit.Count, 1);
    const parsed = signRequestSchema.safeParse(event);
    if (!parsed.success) {
      const reason = `the sign request is not valid: ${describeRequestProblems(parsed.error)}`;
      logger?.warn('sign request refused', { code: 'INVALID_REQUEST', reason });
      countRefusal('INVALID_REQUEST');
      return { status: 'refused', code: 'INVALID_REQUEST', reason };
    }
    const request = parsed.data;
    logger?.appendKeys({ deviceName: request.deviceName, sessionId: request.sessionId, requestId: request.requestId });
    const started = performance.now();
    try {
      const response = await (await resolveService()).sign(request);
      if (response.status === 'issued') {
        logger?.info('certificate issued', { serialHex: response.certificate.serialHex });
        metrics?.addMetric('Issuances', MetricUnit.Count, 1);
      } else if (response.status === 'pending') {
        logger?.info('certificate pending', { message: response.message });
        metrics?.addMetric('Pending', MetricUnit.Count, 1);
      } else {
        logger?.warn('sign request refused', { code: response.code, reason: response.reason });
        countRefusal(response.code);
      }
      return response;
    } catch (error) {
      // Bad input discovered late is still an answer; anything else fails the invocation (FunctionError).
      if (error instanceof ValidationError) {
        logger?.warn('sign request refused', { code: error.code, reason: error.message });
        countRefusal(error.code);
        return { status: 'refused', code: error.code, reason: error.message };
      }
      const code = error instanceof CapfError ? error.code : 'UNEXPECTED';
      logger?.error('sign request failed', { code, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
      metrics?.addMetric('SignFailures', MetricUnit.Count, 1);
      throw error;
    } finally {
      metrics?.addMetric('SignLatency', MetricUnit.Milliseconds, performance.now() - started);
      logger?.removeKeys(LOG_KEYS);
    }
  };
}
