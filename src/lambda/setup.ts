import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { ContextManager } from '@opentelemetry/api';
import type { Sampler } from '@opentelemetry/sdk-trace-base';
import type { Env } from '../config/setting';
import { isEsModuleEntry } from '../entry-kind';
import { UpstreamAwareSampler } from '../sampling/upstream-aware-sampler';
import type { XRaySpanProcessor } from '../span-processor';
import { LambdaContextManager } from './context-manager';
import { LambdaSampler } from './lambda-sampler';
import { LambdaParentSource } from './trace-header';

/** What tracing in Lambda is made of, beside the processor (which runs in Lambda mode). */
export interface LambdaParts {
  /** Each invocation's trace header, read where the runtime puts it. */
  readonly parents: LambdaParentSource;
  /** Lambda decides: spans follow the header; init-time work waits for the first invocation. */
  readonly sampler: Sampler;
  /** Work with no span above it during an invocation hangs under Lambda's function segment. */
  readonly contextManager: ContextManager;
}

export interface LambdaSetup {
  readonly env: Env;
  readonly processor: XRaySpanProcessor;
  /** The run-time switch (setSdkEnabled). */
  readonly isEnabled: () => boolean;
  readonly warn: (message: string) => void;
  readonly debug: ((line: string) => void) | undefined;
}

export function lambdaParts(setup: LambdaSetup): LambdaParts {
  const { processor, warn, debug } = setup;
  let warnedNoHeader = false;
  const parents = new LambdaParentSource(setup.env, (parent) => {
    processor.settleInitWork(parent?.spanContext);
    if (parent === undefined && !warnedNoHeader) {
      warnedNoHeader = true;
      warn('this Lambda invocation came with no X-Ray trace header, so nothing is recorded: turn on active tracing (or PassThrough) for the function');
    } else if (parent?.passThrough === true) {
      debug?.('Lambda tracing is PassThrough (the trace header has a Root only): the trace id is carried on, nothing is recorded');
    }
  });
  const lambdaSampler = new LambdaSampler(
    () => parents.invoked,
    (name) => debug?.(`not recorded: "${name}" ran outside any Lambda invocation (no trace header to join)`),
  );
  const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks') as typeof import('@opentelemetry/context-async-hooks');
  return {
    parents,
    sampler: new UpstreamAwareSampler(lambdaSampler, setup.isEnabled, debug),
    contextManager: new LambdaContextManager(new AsyncLocalStorageContextManager(), parents),
  };
}

/**
 * Whether the handler named by `_HANDLER` is an ES module (`.mjs`, or `.js` under `"type": "module"`): the runtime
 * then loads it with `import()`, and only the ES module hook lets the handler be wrapped.
 */
export function lambdaHandlerIsEsModule(env: Env): boolean {
  const taskRoot = env.LAMBDA_TASK_ROOT;
  const handler = env._HANDLER;
  if (taskRoot === undefined || taskRoot === '' || handler === undefined || handler === '') return false;
  const name = basename(handler);
  const file = resolve(taskRoot, handler.substring(0, handler.length - name.length), name.split('.')[0] as string);
  if (existsSync(`${file}.mjs`)) return true;
  if (existsSync(`${file}.cjs`) && !existsSync(`${file}.js`)) return false;
  return existsSync(`${file}.js`) && isEsModuleEntry(`${file}.js`);
}
