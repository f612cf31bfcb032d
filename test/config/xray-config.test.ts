import * as assert from 'node:assert/strict';
import type { DiagLogger } from '@opentelemetry/api';
import { resolveXRayConfig } from '../../src/config/xray-config';
import type { XRayConfig, XRayOptions } from '../../src/index';

function resolve(options: XRayOptions, env: Record<string, string>, appName?: string): { config: XRayConfig; warnings: string[] } {
  const warnings: string[] = [];
  const logger: DiagLogger = { warn: (m) => warnings.push(m), error: (m) => warnings.push(m), info() {}, debug() {}, verbose() {} };
  return { config: resolveXRayConfig(options, env, logger, appName), warnings };
}

type Case = { env: string; key: keyof XRayConfig; good: Array<[string, unknown]>; bad?: [string, string, unknown]; option?: [keyof XRayOptions, unknown, unknown] };

const IGNORE_RULES = [{ hostname: '*.internal' }, { urls: ['/health'], subclass: 'fetch' }];

/** Every variable: good values, one bad value with its exact warning and the value used, and precedence over code. */
const CASES: Case[] = [
  { env: 'AWS_XRAY_TRACING_NAME', key: 'tracingName', good: [['checkout', 'checkout']], option: ['tracingName', 'code-name', 'checkout'] },
  { env: 'AWS_XRAY_CONTEXT_MISSING', key: 'contextMissing', good: [['RUNTIME_ERROR', 'RUNTIME_ERROR'], ['ignore_error', 'IGNORE_ERROR']], bad: ['SOMETIMES', 'AWS_XRAY_CONTEXT_MISSING="SOMETIMES" is not valid (expected one of LOG_ERROR, RUNTIME_ERROR, IGNORE_ERROR); using LOG_ERROR', 'LOG_ERROR'], option: ['contextMissing', 'IGNORE_ERROR', 'RUNTIME_ERROR'] },
  { env: 'AWS_XRAY_SAMPLING', key: 'sampling', good: [['false', false], ['TRUE', true], ['0', false]], bad: ['maybe', 'AWS_XRAY_SAMPLING="maybe" is not valid (expected true or false); using true', true], option: ['sampling', true, false] },
  { env: 'AWS_XRAY_SAMPLING_RULES', key: 'samplingRules', good: [['/etc/rules.json', '/etc/rules.json']] },
  { env: 'AWS_XRAY_DYNAMIC_NAMING', key: 'dynamicNaming', good: [['*.example.com', '*.example.com']] },
  { env: 'AWS_XRAY_STREAMING_THRESHOLD', key: 'processor', good: [['0', 0], ['25', 25]], bad: ['-1', 'AWS_XRAY_STREAMING_THRESHOLD="-1" is not valid (expected a whole number of at least 0); using 100', 100] },
  { env: 'AWS_XRAY_PLUGINS', key: 'plugins', good: [['EC2Plugin, ECSPlugin', ['EC2Plugin', 'ECSPlugin']]] },
  { env: 'AWS_XRAY_AUTO_INSTRUMENT', key: 'autoInstrument', good: [['false', false]], bad: ['nope', 'AWS_XRAY_AUTO_INSTRUMENT="nope" is not valid (expected true or false); using true', true] },
  { env: 'AWS_XRAY_STREAM_SQL', key: 'streamSql', good: [['true', true], ['false', false]] },
  { env: 'AWS_XRAY_COLLECT_SQL_QUERIES', key: 'streamSql', good: [['true', true], ['false', false]] },
  { env: 'AWS_XRAY_URLS_AS_ANNOTATION', key: 'urlsAsAnnotation', good: [['all', 'ALL'], ['NONE', 'NONE']], bad: ['SOME', 'AWS_XRAY_URLS_AS_ANNOTATION="SOME" is not valid (expected one of LAMBDA, ALL, NONE); using LAMBDA', 'LAMBDA'] },
  { env: 'AWS_XRAY_PATCH_MODULES', key: 'patchModules', good: [['http,pg', ['http', 'pg']]] },
  {
    env: 'AWS_XRAY_IGNORE_OUTGOING', key: 'ignoreOutgoing',
    good: [['[{"hostname":"*.internal"},{"urls":["/health"],"subclass":"fetch"}]', IGNORE_RULES]],
    bad: ['[{"port":1}]', 'AWS_XRAY_IGNORE_OUTGOING="[{\\"port\\":1}]" is not valid (a rule needs hostname, urls or subclass); using []', []],
    option: ['ignoreOutgoing', [{ hostname: 'x' }], IGNORE_RULES],
  },
  { env: 'AWS_XRAY_IGNORE_MODULE_PATTERNS', key: 'ignoreModulePatterns', good: [['^internal/,^vendor/', ['^internal/', '^vendor/']]] },
  { env: 'AWS_XRAY_SDK_ENABLED', key: 'enabled', good: [['false', false], ['no', false], ['on', true]], bad: ['perhaps', 'AWS_XRAY_SDK_ENABLED="perhaps" is not valid (expected true or false); using true', true], option: ['sdkEnabled', true, false] },
  { env: 'OTEL_SDK_DISABLED', key: 'enabled', good: [['true', false], ['false', true]] },
  { env: 'AWS_XRAY_NOOP_ID', key: 'noopId', good: [['false', false]] },
  { env: 'AWS_XRAY_LOG_LEVEL', key: 'logLevel', good: [['debug', 'debug'], ['SILENT', 'silent']], bad: ['loud', 'AWS_XRAY_LOG_LEVEL="loud" is not valid (expected one of debug, info, warn, error, silent); using warn', 'warn'] },
  { env: 'OTEL_LOG_LEVEL', key: 'logLevel', good: [['DEBUG', 'debug'], ['NONE', 'silent'], ['VERBOSE', 'debug']] },
  { env: 'OTEL_SERVICE_NAME', key: 'tracingName', good: [['from-otel', 'from-otel']] },
  { env: 'OTEL_TRACES_SAMPLER', key: 'sampler', good: [['always_on', 'always_on'], ['parentbased_traceidratio', 'parentbased_traceidratio'], ['xray', 'xray']], bad: ['jaeger_remote', 'OTEL_TRACES_SAMPLER="jaeger_remote" is not valid (expected one of xray, always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio); using xray', 'xray'] },
  { env: 'OTEL_TRACES_SAMPLER_ARG', key: 'samplerArg', good: [['0.25', '0.25']] },
  { env: 'OTEL_PROPAGATORS', key: 'propagators', good: [['xray,tracecontext,baggage', ['xray', 'tracecontext', 'baggage']], ['tracecontext', ['tracecontext']]], bad: ['b3', 'OTEL_PROPAGATORS="b3" is not valid (unknown propagators \"b3\"; known: xray, tracecontext, baggage, none); using xray', ['xray']] },
  { env: 'OTEL_NODE_ENABLED_INSTRUMENTATIONS', key: 'enabledInstrumentations', good: [['http,express', ['http', 'express']]] },
  { env: 'OTEL_NODE_DISABLED_INSTRUMENTATIONS', key: 'disabledInstrumentations', good: [['fs', ['fs']]] },
];

const pick = (config: XRayConfig, c: Case): unknown => (c.key === 'processor' ? config.processor.streamingThreshold : config[c.key]);

describe('resolveXRayConfig: every variable, environment > code > defaults', () => {
  it('has defaults for everything, frozen', () => {
    const { config, warnings } = resolve({}, {}, 'my-app');
    assert.ok(Object.isFrozen(config));
    assert.deepEqual(warnings, []);
    assert.equal(config.enabled, true);
    assert.equal(config.tracingName, 'my-app');
    assert.equal(config.contextMissing, 'LOG_ERROR');
    assert.equal(config.sampling, true);
    assert.equal(config.streamSql, false);
    assert.equal(config.urlsAsAnnotation, 'LAMBDA');
    assert.equal(config.sampler, 'xray');
    assert.deepEqual(config.propagators, ['xray']);
    assert.equal(config.logLevel, 'warn');
    assert.equal(config.noopId, true);
    assert.equal(config.autoInstrument, true);
  });

  for (const c of CASES) {
    describe(c.env, () => {
      for (const [text, expected] of c.good) {
        it(`${JSON.stringify(text)} → ${JSON.stringify(expected)}`, () => {
          const { config, warnings } = resolve({}, { [c.env]: text });
          assert.deepEqual(pick(config, c), expected);
          assert.deepEqual(warnings, []);
        });
      }
      if (c.bad !== undefined) {
        const [text, warning, used] = c.bad;
        it(`${JSON.stringify(text)} gives one warning and ${JSON.stringify(used)}`, () => {
          const { config, warnings } = resolve({}, { [c.env]: text });
          assert.deepEqual(warnings, [warning]);
          assert.deepEqual(pick(config, c), used);
        });
      }
      if (c.option !== undefined) {
        const [option, codeValue, envValue] = c.option;
        it(`wins over the ${option} option, and says so`, () => {
          const text = c.good.find(([, v]) => v === envValue)?.[0] ?? String(envValue);
          const { config, warnings } = resolve({ [option]: codeValue } as XRayOptions, { [c.env]: text });
          assert.deepEqual(pick(config, c), envValue);
          assert.equal(warnings.length, 1);
          assert.match(warnings[0]!, new RegExp(`^${c.env} is set, so the \\w+ option given in code is ignored$`));
        });
      }
    });
  }

  it('reads AWS_XRAY_ADAPTIVE_SAMPLING_CONFIG (inline YAML or JSON, or the option); a bad one: one warning, adaptive sampling off', () => {
    const yaml = resolve({}, { AWS_XRAY_ADAPTIVE_SAMPLING_CONFIG: 'version: 1.0\nanomalyCaptureLimit:\n  anomalyTracesPerSecond: 3' });
    assert.deepEqual(yaml.warnings, []);
    assert.equal(yaml.config.adaptiveSampling?.anomalyTracesPerSecond, 3);
    assert.equal(yaml.config.adaptiveSampling?.anomalyConditions, undefined);
    const fromCode = resolve({ adaptiveSampling: { version: 1, anomalyConditions: [{ highLatencyMs: 500 }] } }, {});
    assert.equal(fromCode.config.adaptiveSampling?.anomalyConditions?.[0]?.usage, 'both');
    const bad = resolve({}, { AWS_XRAY_ADAPTIVE_SAMPLING_CONFIG: '{"version": 2}' });
    assert.equal(bad.config.adaptiveSampling, undefined);
    assert.deepEqual(bad.warnings, ['AWS_XRAY_ADAPTIVE_SAMPLING_CONFIG="{\\"version\\": 2}" is not valid (version must be at least 1.0 and below 2.0; adaptive sampling is off); using (none)']);
    assert.equal(resolve({}, {}).config.adaptiveSampling, undefined);
  });

  it('names segments: AWS_XRAY_TRACING_NAME > tracingName option > OTEL_SERVICE_NAME > package name', () => {
    assert.equal(resolve({ tracingName: 'code' }, { AWS_XRAY_TRACING_NAME: 'env', OTEL_SERVICE_NAME: 'otel' }, 'pkg').config.tracingName, 'env');
    assert.equal(resolve({ tracingName: 'code' }, { OTEL_SERVICE_NAME: 'otel' }, 'pkg').config.tracingName, 'code');
    assert.equal(resolve({ service: 'svc' }, { OTEL_SERVICE_NAME: 'otel' }, 'pkg').config.tracingName, 'svc');
    assert.equal(resolve({}, { OTEL_SERVICE_NAME: 'otel' }, 'pkg').config.tracingName, 'otel');
    assert.equal(resolve({}, {}, 'pkg').config.tracingName, 'pkg');
  });

  it('lets an SQL variable switch query recording off even when code turns it on', () => {
    assert.equal(resolve({ streamSql: true }, { AWS_XRAY_COLLECT_SQL_QUERIES: 'false' }).config.streamSql, false);
    assert.equal(resolve({ streamSql: true }, { AWS_XRAY_STREAM_SQL: 'false', AWS_XRAY_COLLECT_SQL_QUERIES: 'true' }).config.streamSql, false);
    assert.equal(resolve({}, { AWS_XRAY_COLLECT_SQL_QUERIES: 'true' }).config.streamSql, true);
    assert.equal(resolve({ streamSql: true }, {}).config.streamSql, true);
  });

  it('takes the log level from AWS_XRAY_LOG_LEVEL, then OTEL_LOG_LEVEL, then code', () => {
    assert.equal(resolve({ logLevel: 'silent' }, { OTEL_LOG_LEVEL: 'DEBUG' }).config.logLevel, 'debug');
    assert.equal(resolve({ logLevel: 'silent' }, { AWS_XRAY_LOG_LEVEL: 'error', OTEL_LOG_LEVEL: 'DEBUG' }).config.logLevel, 'error');
    assert.equal(resolve({ logLevel: 'silent' }, {}).config.logLevel, 'silent');
  });

  it('takes code options when the environment is silent', () => {
    const { config } = resolve({ sampling: false, dynamicNaming: '*.shop', streamSql: true, propagators: ['tracecontext'] }, {});
    assert.equal(config.sampling, false);
    assert.equal(config.dynamicNaming, '*.shop');
    assert.equal(config.streamSql, true);
    assert.deepEqual(config.propagators, ['tracecontext']);
  });
});
