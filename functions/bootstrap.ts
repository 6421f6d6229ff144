// One way to build every Lambda handler: a middy handler whose middleware injects the Lambda context into the
// Powertools logger, publishes Powertools metrics, validates the event with a zod schema, builds the function's
// dependencies once per container (on the first invocation, so a configuration error fails that invocation rather
// than the import, and again only after a failure) and turns typed errors that are answers into answers. A function
// defines its schema, its dependencies and its work (functions/<name>/); its handler.ts is then a few lines.
// The local stack and the tests run the same chain in-process, without the Powertools parts (inProcessHandler).
import middy, { type MiddlewareObj } from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context } from 'aws-lambda';
import type * as z from 'zod';
import { ValidationError } from '../shared/errors.ts';

/** What a function logs and counts with; both are absent when it runs in-process without observation. */
export interface FunctionTools {
  logger?: Logger;
  metrics?: Metrics;
}

export interface FunctionDefinition<Input, Output, Deps> {
  /** The event's schema; the work sees the parsed value. */
  input: z.ZodType<Input>;
  /** The answer to an event the schema refuses (`problems`: one line, no values); without it the invocation fails. */
  invalidInput?: (problems: string, tools: FunctionTools) => Output;
  /** Attributes every log line of the invocation carries (device, session...), from the parsed event. */
  logKeys?: (input: Input) => Record<string, unknown>;
  /** Builds what the work needs: once per container, on the first invocation; again only after a failure. */
  deps: (tools: FunctionTools) => Promise<Deps>;
  /** `context`: the Lambda context (remaining time, request id); in-process, what the caller passed, if anything. */
  work: (input: Input, deps: Deps, tools: FunctionTools, context?: Partial<Context>) => Promise<Output>;
  /** An error that is an answer rather than a failure (say, a late ValidationError as a refusal); undefined: it fails. */
  answerFor?: (error: unknown, tools: FunctionTools) => Output | undefined;
  /** Called when the invocation fails (log, count), before the error reaches the caller. */
  onFailure?: (error: unknown, tools: FunctionTools) => void;
}

/** An event the function's schema refused. */
export class InvalidEventError extends ValidationError {
  constructor(readonly problems: string) {
    super(`the event is not valid: ${problems}`, 'INVALID_REQUEST');
  }
}

/** A short, single-line summary of what is wrong with an event (no values echoed). */
export function describeProblems(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

type DepsContext<Deps> = Context & { deps?: Deps };

function validateInput<Input, Output, Deps>(definition: FunctionDefinition<Input, Output, Deps>): MiddlewareObj<unknown, Output> {
  return {
    before: (request) => {
      const parsed = definition.input.safeParse(request.event);
      if (!parsed.success) throw new InvalidEventError(describeProblems(parsed.error));
      request.event = parsed.data;
    },
  };
}

function invocationLogKeys<Input, Output, Deps>(definition: FunctionDefinition<Input, Output, Deps>, tools: FunctionTools): MiddlewareObj<unknown, Output>[] {
  const { logger } = tools;
  const keysOf = definition.logKeys;
  if (!logger || !keysOf) return [];
  const remove = (request: { internal: object }) => {
    const keys = (request.internal as { logKeys?: string[] }).logKeys;
    if (keys) logger.removeKeys(keys);
  };
  const add = (request: { event: unknown; internal: object }) => {
    const keys = keysOf(request.event as Input);
    (request.internal as { logKeys?: string[] }).logKeys = Object.keys(keys);
    logger.appendKeys(keys);
  };
  return [{ before: add, after: remove, onError: remove }];
}

function depsOncePerContainer<Input, Output, Deps>(definition: FunctionDefinition<Input, Output, Deps>, tools: FunctionTools): MiddlewareObj<unknown, Output> {
  let built: Promise<Deps> | undefined;
  return {
    before: async (request) => {
      built ??= definition.deps(tools).catch((error: unknown) => {
        built = undefined;
        throw error;
      });
      (request.context as DepsContext<Deps>).deps = await built;
    },
  };
}

function typedErrors<Input, Output, Deps>(definition: FunctionDefinition<Input, Output, Deps>, tools: FunctionTools): MiddlewareObj<unknown, Output> {
  return {
    onError: (request) => {
      const error = request.error;
      const answer =
        error instanceof InvalidEventError && definition.invalidInput ? definition.invalidInput(error.problems, tools) : definition.answerFor?.(error, tools);
      if (answer !== undefined) {
        // Setting the response (not returning it) lets the metrics and logger middleware finish their onError work.
        request.response = answer;
        return;
      }
      definition.onFailure?.(error, tools);
    },
  };
}

function chain<Input, Output, Deps>(definition: FunctionDefinition<Input, Output, Deps>, tools: FunctionTools, observe: boolean) {
  const handler = middy<unknown, Output>((event: unknown, context: Context) => {
    const deps = (context as DepsContext<Deps>).deps as Deps;
    return definition.work(event as Input, deps, tools, context);
  });
  if (observe && tools.logger) handler.use(injectLambdaContext(tools.logger, { resetKeys: true }));
  if (observe && tools.metrics) handler.use(logMetrics(tools.metrics, { captureColdStartMetric: true }));
  // before: validate, add the log keys, build the deps; after and onError run in reverse, so typed errors are mapped
  // (and logged with the keys) before the keys go and the metrics are published.
  return handler.use([validateInput(definition), ...invocationLogKeys(definition, tools), depsOncePerContainer(definition, tools), typedErrors(definition, tools)]);
}

/** The Lambda entry: Powertools logger and metrics named after the function, the context injected, metrics published. */
export function lambdaHandler<Input, Output, Deps>(definition: FunctionDefinition<Input, Output, Deps>, serviceName: string) {
  const tools = { logger: new Logger({ serviceName }), metrics: new Metrics({ namespace: 'capf', serviceName }) };
  return chain(definition, tools, true);
}

/** The same handler called in this process (local stack, tests): the event is JSON, the answer too; `context` stands
 *  for the Lambda context (say, its remaining time). */
export function inProcessHandler<Input, Output, Deps>(definition: FunctionDefinition<Input, Output, Deps>, tools: FunctionTools = {}): (event: unknown, context?: Partial<Context>) => Promise<Output> {
  const handler = chain(definition, tools, false);
  return (event, context) => handler(event, { ...context } as Context);
}
