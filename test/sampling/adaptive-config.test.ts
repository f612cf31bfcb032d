import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAdaptiveSamplingConfig } from '../../src/sampling/adaptive-config';
import type { AdaptiveSamplingConfig } from '../../src/sampling/adaptive-config';

/** Parses and fails the test with the returned sentence if the config was refused. */
function parsed(value: unknown, readFile?: (path: string) => string | undefined): AdaptiveSamplingConfig {
  const result = parseAdaptiveSamplingConfig(value, readFile);
  if (typeof result === 'string') assert.fail(`refused: ${result}`);
  return result;
}

/** The sentence returned for a refused config (fails the test if it was accepted). */
function refusal(value: unknown): string {
  const result = parseAdaptiveSamplingConfig(value, () => undefined);
  assert.equal(typeof result, 'string', `accepted: ${JSON.stringify(result)}`);
  return result as string;
}

const NO_FILE = (): undefined => undefined;

describe('adaptive sampling config', () => {
  it('reads the AWS guide example given inline as flow YAML', () => {
    const config = parsed(
      '{version: 1.0, anomalyConditions: [{errorCodeRegex: "^500$", usage: "sampling-boost"}, {errorCodeRegex: "^501$", usage: "anomaly-trace-capture"}], anomalyCaptureLimit: {anomalyTracesPerSecond: 10}}',
      NO_FILE,
    );
    assert.equal(config.anomalyTracesPerSecond, 10);
    const [first, second] = config.anomalyConditions!;
    assert.equal(config.anomalyConditions!.length, 2);
    assert.equal(first!.usage, 'sampling-boost');
    assert.equal(first!.errorCode!('500'), true);
    assert.equal(first!.errorCode!('501'), false);
    assert.equal(second!.usage, 'anomaly-trace-capture');
    assert.equal(second!.errorCode!('501'), true);
    assert.equal(first!.highLatencyMs, undefined);
    assert.equal(first!.operations, undefined);
  });

  it('reads block YAML with every field', () => {
    const yaml = [
      'version: 1.0',
      'anomalyConditions:',
      '  - operations:',
      '      - "GET /api"',
      '      - POST /orders',
      String.raw`    errorCodeRegex: "^(429|5\\d\\d)$"`,
      '    highLatencyMs: 300',
      '    usage: sampling-boost',
      '  - highLatencyMs: 1000',
      'anomalyCaptureLimit:',
      '  anomalyTracesPerSecond: 0',
    ].join('\n');
    const config = parsed(yaml, NO_FILE);
    const [first, second] = config.anomalyConditions!;
    assert.deepEqual([...first!.operations!], ['GET /api', 'POST /orders']);
    assert.equal(first!.highLatencyMs, 300);
    assert.equal(first!.usage, 'sampling-boost');
    assert.equal(first!.errorCode!('429'), true);
    assert.equal(first!.errorCode!('503'), true);
    assert.equal(first!.errorCode!('404'), false);
    assert.equal(second!.usage, 'both', 'a missing usage means both');
    assert.equal(second!.errorCode, undefined);
    assert.equal(config.anomalyTracesPerSecond, 0);
  });

  it('reads inline JSON (a YAML subset)', () => {
    const config = parsed(String.raw`{"version": 1.5, "anomalyConditions": [{"errorCodeRegex": "5\\d\\d", "usage": "both"}]}`, NO_FILE);
    assert.equal(config.anomalyConditions!.length, 1);
    assert.equal(config.anomalyConditions![0]!.errorCode!('502'), true);
    assert.equal(config.anomalyTracesPerSecond, 1);
  });

  it('reads a file when the value names an existing one, with node:fs by default', () => {
    const dir = mkdtempSync(join(tmpdir(), 'otel-xray-adaptive-'));
    try {
      const file = join(dir, 'adaptive.yaml');
      writeFileSync(file, 'version: 1\nanomalyConditions:\n  - highLatencyMs: 250\n    usage: anomaly-trace-capture\nanomalyCaptureLimit:\n  anomalyTracesPerSecond: 7\n');
      const config = parsed(file);
      assert.equal(config.anomalyTracesPerSecond, 7);
      assert.equal(config.anomalyConditions![0]!.highLatencyMs, 250);
      assert.equal(config.anomalyConditions![0]!.usage, 'anomaly-trace-capture');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('asks the given reader for the file, and parses the value itself when there is none', () => {
    const asked: string[] = [];
    const config = parsed('/etc/adaptive.yaml', (path) => {
      asked.push(path);
      return '{version: 1.0, anomalyCaptureLimit: {anomalyTracesPerSecond: 3}}';
    });
    assert.deepEqual(asked, ['/etc/adaptive.yaml']);
    assert.equal(config.anomalyTracesPerSecond, 3);
    assert.match(refusal('/etc/missing.yaml'), /^is neither an existing file nor a YAML mapping: "\/etc\/missing.yaml"$/);
  });

  it('says the file could not be read when the reader throws', () => {
    const result = parseAdaptiveSamplingConfig('/etc/adaptive.yaml', () => {
      throw new Error('EACCES: permission denied\nmore detail');
    });
    assert.equal(result, 'cannot read /etc/adaptive.yaml: EACCES: permission denied');
  });

  it('takes an object given in code', () => {
    const config = parsed({ version: 1, anomalyConditions: [{ errorCodeRegex: '504', usage: 'sampling-boost' }] });
    assert.equal(config.anomalyConditions![0]!.errorCode!('504'), true);
    assert.equal(config.anomalyConditions![0]!.usage, 'sampling-boost');
  });

  it('defaults: no anomalyConditions means the default condition, and one trace per second', () => {
    const config = parsed('version: 1.0', NO_FILE);
    assert.equal(config.anomalyConditions, undefined);
    assert.equal(config.anomalyTracesPerSecond, 1);
    assert.equal(parsed({ version: 1, anomalyCaptureLimit: {} }).anomalyTracesPerSecond, 1);
    // A YAML key with nothing after it is null, which counts as absent (as in the reference SDKs).
    assert.equal(parsed('version: 1.0\nanomalyConditions:\nanomalyCaptureLimit:\n', NO_FILE).anomalyConditions, undefined);
  });

  it('keeps an empty anomalyConditions list: it replaces the default with nothing', () => {
    assert.deepEqual(parsed('{version: 1.0, anomalyConditions: []}', NO_FILE).anomalyConditions, []);
  });

  it('keeps operations: [] as an empty set (the item applies to no operation), unlike a missing list', () => {
    const config = parsed('{version: 1.0, anomalyConditions: [{highLatencyMs: 5, operations: []}, {highLatencyMs: 5}]}', NO_FILE);
    assert.equal(config.anomalyConditions![0]!.operations!.size, 0);
    assert.equal(config.anomalyConditions![1]!.operations, undefined);
  });

  it('accepts anomaly-span-capture (the AWS guide field list) as anomaly-trace-capture', () => {
    const config = parsed('{version: 1.0, anomalyConditions: [{highLatencyMs: 5, usage: anomaly-span-capture}]}', NO_FILE);
    assert.equal(config.anomalyConditions![0]!.usage, 'anomaly-trace-capture');
  });

  it('matches errorCodeRegex against the whole status code', () => {
    const test = (regex: string): ((status: string) => boolean) => parsed({ version: 1, anomalyConditions: [{ errorCodeRegex: regex }] }).anomalyConditions![0]!.errorCode!;
    const fiveHundreds = test(String.raw`5\d\d`);
    assert.equal(fiveHundreds('500'), true);
    assert.equal(fiveHundreds('1500'), false);
    assert.equal(fiveHundreds('5000'), false);
    const guide = test(String.raw`^429|5\d\d$`);
    assert.equal(guide('429'), true);
    assert.equal(guide('503'), true);
    assert.equal(guide('4290'), false);
    assert.equal(guide('1503'), false);
    assert.equal(guide('404'), false);
    const anchored = test(String.raw`^5\d\d$`);
    assert.equal(anchored('599'), true);
    assert.equal(anchored('5999'), false);
  });

  const refused: Array<[string, unknown, string]> = [
    ['a number', 42, 'must be a file path, YAML or JSON text, or an object, not 42'],
    ['null', null, 'must be a file path, YAML or JSON text, or an object, not null'],
    ['a boolean', true, 'must be a file path, YAML or JSON text, or an object, not true'],
    ['an empty string', '', 'is empty: it needs at least version: 1.0'],
    ['a list', '[1, 2]', 'must be a mapping with a version, such as {version: 1.0}, not a list'],
    ['an unknown top-level key', '{version: 1.0, anomalyCondition: []}', 'has unknown key "anomalyCondition": the keys are version, anomalyConditions and anomalyCaptureLimit'],
    ['a missing version', '{anomalyConditions: []}', 'version is required: add version: 1.0'],
    ['a string version', '{version: "1.0"}', 'version must be a number, not "1.0"'],
    ['version 0.9', '{version: 0.9}', 'version must be at least 1.0 and below 2.0'],
    ['version 2', '{version: 2.0}', 'version must be at least 1.0 and below 2.0'],
    ['version NaN', '{version: .nan}', 'version must be a number, not NaN'],
    ['anomalyConditions not a list', '{version: 1.0, anomalyConditions: {usage: both}}', 'anomalyConditions must be a list, not a mapping'],
    ['a condition not a mapping', '{version: 1.0, anomalyConditions: [{usage: both}, "5xx"]}', 'anomalyConditions[1] must be a mapping, not "5xx"'],
    ['an unknown condition key', '{version: 1.0, anomalyConditions: [{errorCode: 500}]}', 'anomalyConditions[0] has unknown key "errorCode": the keys are errorCodeRegex, highLatencyMs, operations and usage'],
    ['a numeric errorCodeRegex', '{version: 1.0, anomalyConditions: [{errorCodeRegex: 500}]}', 'anomalyConditions[0].errorCodeRegex must be a string (quote it), not 500'],
    ['a regex that does not compile', '{version: 1.0, anomalyConditions: [{errorCodeRegex: "5(0"}]}', 'anomalyConditions[0].errorCodeRegex is not a valid regular expression: Invalid regular expression: /^(?:5(0)$/: Unterminated group'],
    ['a negative highLatencyMs', '{version: 1.0, anomalyConditions: [{highLatencyMs: -1}]}', 'anomalyConditions[0].highLatencyMs must be a number of milliseconds, 0 or more, not -1'],
    ['a string highLatencyMs', '{version: 1.0, anomalyConditions: [{highLatencyMs: "300ms"}]}', 'anomalyConditions[0].highLatencyMs must be a number of milliseconds, 0 or more, not "300ms"'],
    ['operations as a string', '{version: 1.0, anomalyConditions: [{highLatencyMs: 1, operations: "GET /api"}]}', 'anomalyConditions[0].operations must be a list of operation names such as "GET /api", not "GET /api"'],
    ['an operation not a string', '{version: 1.0, anomalyConditions: [{highLatencyMs: 1, operations: ["GET /api", 7]}]}', 'anomalyConditions[0].operations[1] must be a string, not 7'],
    ['an unknown usage', '{version: 1.0, anomalyConditions: [{usage: both}, {usage: never}]}', 'anomalyConditions[1].usage must be both, sampling-boost or anomaly-trace-capture, not "never"'],
    ['the internal usage neither', '{version: 1.0, anomalyConditions: [{usage: neither}]}', 'anomalyConditions[0].usage must be both, sampling-boost or anomaly-trace-capture, not "neither"'],
    ['a non-string usage', '{version: 1.0, anomalyConditions: [{usage: 1}]}', 'anomalyConditions[0].usage must be both, sampling-boost or anomaly-trace-capture, not 1'],
    ['anomalyCaptureLimit not a mapping', '{version: 1.0, anomalyCaptureLimit: 5}', 'anomalyCaptureLimit must be a mapping, such as {anomalyTracesPerSecond: 1}, not 5'],
    ['an unknown anomalyCaptureLimit key', '{version: 1.0, anomalyCaptureLimit: {tracesPerSecond: 5}}', 'anomalyCaptureLimit has unknown key "tracesPerSecond": the only key is anomalyTracesPerSecond'],
    ['a fractional anomalyTracesPerSecond', '{version: 1.0, anomalyCaptureLimit: {anomalyTracesPerSecond: 1.5}}', 'anomalyCaptureLimit.anomalyTracesPerSecond must be a whole number, 0 or more, not 1.5'],
    ['a negative anomalyTracesPerSecond', '{version: 1.0, anomalyCaptureLimit: {anomalyTracesPerSecond: -2}}', 'anomalyCaptureLimit.anomalyTracesPerSecond must be a whole number, 0 or more, not -2'],
  ];
  for (const [what, value, message] of refused) {
    it(`refuses ${what}, saying where`, () => {
      assert.equal(refusal(value), message);
    });
  }

  it('refuses junk YAML with the first line of the parser message', () => {
    assert.equal(refusal('{version: 1.0'), 'not YAML: Flow map must end with a } at line 1, column 14:');
    assert.equal(refusal('version: 1.0\nversion: 1.5'), 'not YAML: Map keys must be unique at line 2, column 1:');
    // A backslash escape YAML does not know, as in an unescaped regex in double quotes.
    assert.match(refusal(String.raw`{version: 1.0, anomalyConditions: [{errorCodeRegex: "^5\d\d$"}]}`), /^not YAML: Invalid escape sequence \\d at line 1/);
  });

  it('loads the YAML parser only when it parses text', () => {
    const script = [
      `const { parseAdaptiveSamplingConfig } = require(${JSON.stringify(require.resolve('../../src/sampling/adaptive-config'))});`,
      "const loaded = () => Object.keys(require.cache).some((file) => /[\\\\/]node_modules[\\\\/]yaml[\\\\/]/.test(file));",
      'const before = loaded();',
      'parseAdaptiveSamplingConfig({ version: 1 });',
      'const afterObject = loaded();',
      "parseAdaptiveSamplingConfig('version: 1.0', () => undefined);",
      'console.log(JSON.stringify([before, afterObject, loaded()]));',
    ].join('\n');
    assert.deepEqual(JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })), [false, false, true]);
  });

  it('never throws, even for an object whose getter throws', () => {
    const hostile = {
      get version(): number {
        throw new Error('boom');
      },
    };
    assert.equal(parseAdaptiveSamplingConfig(hostile), 'cannot be read: boom');
  });
});
