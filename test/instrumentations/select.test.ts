import * as assert from 'node:assert/strict';
import type { DiagLogger } from '@opentelemetry/api';
import { resolveXRayConfig } from '../../src/config/xray-config';
import { selectInstrumentations } from '../../src/instrumentations';

/** Which instrumentations the preload installs: the Lambda handler's only in Lambda, whatever the lists name. */
describe('selectInstrumentations', () => {
  const logger: DiagLogger = { warn() {}, error() {}, info() {}, debug() {}, verbose() {} };
  const select = (env: Record<string, string>): string[] => selectInstrumentations(resolveXRayConfig({}, env, logger, 'app'), () => undefined);

  it('installs the Lambda handler\'s instrumentation in Lambda only', () => {
    assert.equal(select({}).includes('aws-lambda'), false);
    assert.equal(select({ AWS_LAMBDA_FUNCTION_NAME: 'fn' }).includes('aws-lambda'), true);
  });

  it('leaves it out elsewhere even when a list names it', () => {
    assert.deepEqual(select({ AWS_XRAY_PATCH_MODULES: 'http,aws-lambda' }), ['http']);
    assert.deepEqual(select({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'aws-lambda,undici' }), ['undici']);
    assert.deepEqual(select({ AWS_XRAY_PATCH_MODULES: 'aws-lambda', LAMBDA_TASK_ROOT: '/var/task' }), ['aws-lambda']);
  });
});
