import * as assert from 'node:assert/strict';
import type { DiagLogger } from '@opentelemetry/api';
import { resolveProcessorConfig } from '../../src/config/processor-config';
import type { XRaySpanProcessorOptions } from '../../src/index';

function resolve(options: XRaySpanProcessorOptions, env: Record<string, string>) {
  const warnings: string[] = [];
  const logger: DiagLogger = { warn: (m) => warnings.push(m), error: (m) => warnings.push(m), info() {}, debug() {}, verbose() {} };
  const config = resolveProcessorConfig(options, env, logger);
  return { config, warnings };
}

describe('resolveProcessorConfig: environment > options > defaults', () => {
  it('uses the defaults when nothing is set', () => {
    const { config, warnings } = resolve({}, {});
    assert.deepEqual(config.daemon.udp, { host: '127.0.0.1', port: 2000 });
    assert.equal(config.streamingThreshold, 100);
    assert.ok(Object.isFrozen(config));
    assert.deepEqual(warnings, []);
  });

  it('takes options given in code', () => {
    const { config } = resolve({ daemonAddress: 'tcp:d:2001 udp:d:2002', streamingThreshold: 5, maxBufferedSpans: 10 }, {});
    assert.deepEqual(config.daemon.udp, { host: 'd', port: 2002 });
    assert.deepEqual(config.daemon.tcp, { host: 'd', port: 2001 });
    assert.equal(config.streamingThreshold, 5);
    assert.equal(config.maxBufferedSpans, 10);
  });

  it('lets the environment win, and says so once', () => {
    const { config, warnings } = resolve(
      { daemonAddress: '10.0.0.1:2000', streamingThreshold: 5 },
      { AWS_XRAY_DAEMON_ADDRESS: '10.0.0.2:3000', AWS_XRAY_STREAMING_THRESHOLD: '0' },
    );
    assert.deepEqual(config.daemon.udp, { host: '10.0.0.2', port: 3000 });
    assert.equal(config.streamingThreshold, 0);
    assert.deepEqual(warnings, [
      'AWS_XRAY_DAEMON_ADDRESS is set, so the daemonAddress option given in code is ignored',
      'AWS_XRAY_STREAMING_THRESHOLD is set, so the streamingThreshold option given in code is ignored',
    ]);
  });

  it('warns once about a malformed variable, naming it, and uses the default', () => {
    const { config, warnings } = resolve({}, { AWS_XRAY_DAEMON_ADDRESS: 'nonsense', AWS_XRAY_STREAMING_THRESHOLD: 'lots' });
    assert.deepEqual(config.daemon.udp, { host: '127.0.0.1', port: 2000 });
    assert.equal(config.streamingThreshold, 100);
    assert.deepEqual(warnings, [
      'AWS_XRAY_DAEMON_ADDRESS="nonsense" is not valid ("nonsense" has no host:port); using udp 127.0.0.1:2000, tcp 127.0.0.1:2000',
      'AWS_XRAY_STREAMING_THRESHOLD="lots" is not valid (expected a whole number of at least 0); using 100',
    ]);
  });

  it('falls back to the option in code when the variable is malformed', () => {
    const { config, warnings } = resolve({ daemonAddress: '10.9.9.9:2000' }, { AWS_XRAY_DAEMON_ADDRESS: 'udp:x' });
    assert.deepEqual(config.daemon.udp, { host: '10.9.9.9', port: 2000 });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^AWS_XRAY_DAEMON_ADDRESS="udp:x" is not valid .*; using udp 10\.9\.9\.9:2000/);
  });

  it('warns about bad options in code instead of throwing', () => {
    const { config, warnings } = resolve({ streamingThreshold: -1, maxOpenSegments: 0, daemonAddress: 'x' }, {});
    assert.equal(config.streamingThreshold, 100);
    assert.equal(config.maxOpenSegments, 10_000);
    assert.equal(warnings.length, 3);
  });

  it('treats an empty variable as unset', () => {
    const { config, warnings } = resolve({ streamingThreshold: 7 }, { AWS_XRAY_STREAMING_THRESHOLD: '  ' });
    assert.equal(config.streamingThreshold, 7);
    assert.deepEqual(warnings, []);
  });
});
