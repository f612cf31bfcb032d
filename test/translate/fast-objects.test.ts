import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The blocks a resource adds to every document (`service`, `aws.ecs`, `aws.ec2`, `aws.xray`) keep V8's fast
 * properties when some of their fields are missing: an object in dictionary mode (what `delete` leaves) is walked
 * more slowly by `JSON.stringify`, on every document. V8's own check runs in a child Node with natives syntax.
 */
describe('resource blocks serialize from fast objects', () => {
  it('keeps service, aws.ecs, aws.ec2 and aws.xray in fast mode when fields are missing', () => {
    const build = join(__dirname, '..', '..', 'src', 'translate');
    const script = `
      const { describeResource } = require(${JSON.stringify(join(build, 'resource-info.js'))});
      const { resolveTranslateOptions } = require(${JSON.stringify(join(build, 'options.js'))});
      const info = describeResource({
        'service.name': 'orders',
        'cloud.provider': 'aws',
        'cloud.platform': 'aws_ecs',
        'container.name': 'web',
        'aws.ecs.task.arn': 'arn:aws:ecs:us-east-1:123456789012:task/prod/0123456789abcdef',
        'host.id': 'i-0123456789abcdef0',
        'process.runtime.name': 'nodejs',
        'telemetry.sdk.name': 'opentelemetry',
      }, resolveTranslateOptions({}));
      const blocks = { service: info.service, ecs: info.aws.ecs, ec2: info.aws.ec2, xray: info.aws.xray };
      const report = {};
      for (const [name, block] of Object.entries(blocks)) report[name] = { fast: %HasFastProperties(block), keys: Object.keys(block) };
      process.stdout.write(JSON.stringify(report));`;
    const report = JSON.parse(execFileSync(process.execPath, ['--allow-natives-syntax', '-e', script], { encoding: 'utf8' })) as Record<string, { fast: boolean; keys: string[] }>;
    // The fields that were missing are left out, not written as undefined.
    assert.deepEqual(report.service?.keys, ['runtime']);
    assert.deepEqual(report.ecs?.keys, ['container', 'task_arn']);
    assert.deepEqual(report.ec2?.keys, ['instance_id']);
    for (const [name, { fast }] of Object.entries(report)) assert.equal(fast, true, `${name} is in dictionary mode`);
  });
});
