// Bad values for every environment variable otel-xray reads: garbage, empty, 100 KB, unicode, negative numbers,
// JSON of the wrong shape, text with line breaks. Whatever the operator typed, the app starts, serves, keeps
// sending what it can, and says what is wrong in at most one line per variable, naming it.
import * as assert from 'node:assert/strict';
import { startApp } from '../helpers/child-app';
import type { RunningApp } from '../helpers/child-app';
import { UdpSink } from '../helpers/udp-sink';
import { assertChildHealthy, ECHO_APP, otelXrayLines, rawGet, segmentsOf, shorten, XRAY_TRACE_ID } from './harness';

type Kind = 'garbage' | 'empty' | 'huge' | 'unicode' | 'negative' | 'json' | 'multiline';
const KINDS: readonly Kind[] = ['garbage', 'empty', 'huge', 'unicode', 'negative', 'json', 'multiline'];

const HUGE = 100_000;
const huge = (piece: string): string => piece.repeat(Math.ceil(HUGE / piece.length)).slice(0, HUGE);

/** The value of each kind most variables get; a variable may override some (see VARIABLES). */
const COMMON: Record<Kind, string> = {
  garbage: 'zz!#nope',
  empty: '',
  huge: huge('x,;='),
  unicode: 'ｔｒｕｅ✓ü\u202e\u2028é𝕏',
  negative: '-1',
  json: '{"value":[1,2,{"x":null}]}',
  multiline: 'first\nsecond\r\nthird',
};

interface Variable {
  readonly name: string;
  /**
   * The variable is checked (a boolean, a choice, a number, an address, JSON, a list of known names): a bad
   * value must give exactly one warning. Free text (names, patterns) may be accepted silently.
   */
  readonly checked: boolean;
  /** Kinds whose value this variable gets instead of COMMON's. */
  readonly values?: Partial<Record<Kind, string>>;
}

/** Every variable the configuration reads (src/config/*.ts), and the resource variables OTel reads for it. */
const VARIABLES: readonly Variable[] = [
  { name: 'AWS_XRAY_TRACING_NAME', checked: false },
  { name: 'AWS_XRAY_DYNAMIC_NAMING', checked: false, values: { huge: `*${'a'.repeat(50_000)}b` } },
  { name: 'AWS_XRAY_SAMPLING', checked: true },
  { name: 'AWS_XRAY_SAMPLING_RULES', checked: true, values: { json: '{"version":2,"rules":{"not":"a list"},"default":7}', negative: '{"version":-1}' } },
  { name: 'AWS_XRAY_STREAMING_THRESHOLD', checked: true, values: { negative: '-5', garbage: '12abc' } },
  { name: 'AWS_XRAY_STREAM_SQL', checked: true },
  { name: 'AWS_XRAY_URLS_AS_ANNOTATION', checked: true },
  { name: 'AWS_XRAY_SDK_ENABLED', checked: true },
  { name: 'OTEL_SDK_DISABLED', checked: true },
  { name: 'AWS_XRAY_AUTO_INSTRUMENT', checked: true },
  { name: 'AWS_XRAY_PATCH_MODULES', checked: false },
  { name: 'AWS_XRAY_IGNORE_MODULE_PATTERNS', checked: false, values: { garbage: '([', unicode: '\\p{', multiline: '(\n' } },
  { name: 'OTEL_NODE_DISABLED_INSTRUMENTATIONS', checked: true },
  { name: 'AWS_XRAY_NOOP_ID', checked: true },
  { name: 'AWS_XRAY_LOG_LEVEL', checked: true },
  { name: 'OTEL_TRACES_SAMPLER', checked: true },
  { name: 'OTEL_PROPAGATORS', checked: true },
  { name: 'OTEL_RESOURCE_ATTRIBUTES', checked: false, values: { garbage: '=,=,%zz=%,a', multiline: 'a=1\nb=2' } },
  { name: 'AWS_XRAY_PLUGINS', checked: true },
  { name: 'AWS_XRAY_IGNORE_OUTGOING', checked: true, values: { json: '{"hostname":"*.internal"}', negative: '[{"hostname":-1}]' } },
  { name: 'AWS_XRAY_CONTEXT_MISSING', checked: true },
  // Read only by the plugins they switch on; garbage must not send anything off the machine.
  { name: 'ECS_CONTAINER_METADATA_URI_V4', checked: false, values: { garbage: 'http://127.0.0.1:1/nope' } },
];

/**
 * Variables that decide where documents go, or whether anything is traced at all: started apart, so the
 * first group can be held to delivering its documents.
 */
const UNDELIVERABLE: readonly Variable[] = [
  { name: 'AWS_XRAY_DAEMON_ADDRESS', checked: true, values: { json: '{"udp":"127.0.0.1:2000"}', negative: '127.0.0.1:-1', unicode: '１２７.0.0.1:２０００' } },
  // Read only when AWS_XRAY_STREAM_SQL is unset, and OTEL_SERVICE_NAME only without AWS_XRAY_TRACING_NAME,
  // OTEL_TRACES_SAMPLER_ARG only with a ratio sampler: so here.
  { name: 'AWS_XRAY_COLLECT_SQL_QUERIES', checked: true },
  { name: 'OTEL_SERVICE_NAME', checked: false },
  { name: 'OTEL_LOG_LEVEL', checked: true },
  { name: 'OTEL_TRACES_SAMPLER_ARG', checked: true, values: { negative: '-0.5', json: '{"ratio":0.5}' } },
  // A list naming no instrumentation turns every one off (as OTel does): nothing to deliver.
  { name: 'OTEL_NODE_ENABLED_INSTRUMENTATIONS', checked: true },
];

/** Fixed, valid settings each group needs to reach the variables under test. */
const UNDELIVERABLE_FIXED = { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio' };

/**
 * Warnings that are not about a variable's value and may appear once in any group: the sampling proxy not
 * answering (another issue's business), and nothing listening at the default daemon address (groups that do
 * not set a usable one send there).
 */
const TOLERATED = [/sampling proxy .* does not answer/, /sending to the X-Ray daemon at 127\.0\.0\.1:2000 failed/];

function valueOf(variable: Variable, kind: Kind): string {
  return variable.values?.[kind] ?? COMMON[kind];
}

/** Lines that name the variable as a whole word (AWS_XRAY_SAMPLING is not AWS_XRAY_SAMPLING_RULES). */
function linesNaming(lines: readonly string[], name: string): string[] {
  const word = new RegExp(`(^|[^A-Z0-9_])${name}([^A-Z0-9_]|$)`);
  return lines.filter((line) => word.test(line));
}

/** The first few lines, cut: enough to see the problem without a 100 KB report. */
function listed(lines: readonly string[]): string {
  return lines.slice(0, 6).map((l) => shorten(l, 240)).join('\n') + (lines.length > 6 ? `\n… and ${lines.length - 6} more` : '');
}

/** A value is bad when it is not empty: checked variables must complain about it. */
const isBad = (value: string): boolean => value.trim() !== '';

describe('reliability: bad values for every configuration variable', function () {
  this.timeout(30_000);
  const sink = new UdpSink();
  let udpPort = 0;

  before(async () => {
    udpPort = await sink.start();
  });
  after(() => sink.close());

  for (const kind of KINDS) {
    // The kernel refuses an environment of a few MB (E2BIG): 100 KB values go a few variables per start.
    const perStart = kind === 'huge' ? 6 : VARIABLES.length;
    for (let from = 0; from < VARIABLES.length; from += perStart) {
      const part = VARIABLES.slice(from, from + perStart);
      const which = part.length === VARIABLES.length ? '' : ` (${part[0]!.name} …)`;
      describeGroup(`${kind} values${which}, documents delivered`, kind, part, () => ({ AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${udpPort}` }), true);
    }
    describeGroup(`${kind} values, daemon address and instrumentation lists`, kind, UNDELIVERABLE, () => UNDELIVERABLE_FIXED, false);
  }

  /**
   * One app start with every variable of `variables` set to its `kind` value; then one check per variable, and
   * the checks every start gets (serves, healthy stderr, every line names a variable, delivery).
   */
  function describeGroup(title: string, kind: Kind, variables: readonly Variable[], fixed: () => Record<string, string>, delivers: boolean): void {
    describe(title, () => {
      let app: RunningApp;
      let startMillis = 0;
      // Read when each check runs: stderr keeps arriving after start (a flood of warnings takes a while).
      const lines = (): string[] => otelXrayLines(app.stderr());

      before(async () => {
        sink.clear();
        const env: Record<string, string> = { ...fixed() };
        for (const variable of variables) env[variable.name] = valueOf(variable, kind);
        const started = Date.now();
        // Large headers allowed: one request below sends a 100 KB Host through the dynamic naming matcher.
        app = await startApp(ECHO_APP, env, '--require', ['--max-http-header-size=300000']);
        startMillis = Date.now() - started;
        const first = await rawGet(app.port, '/first', [['Host', `127.0.0.1:${app.port}`]]);
        assert.equal(first.status, 200);
        if (delivers) await sink.waitFor(1, 3000).catch(() => undefined);
      });
      after(() => app?.stop());

      it('starts at once and answers requests, also one with a 100 KB Host, within a second each', async () => {
        assert.ok(startMillis < 5000, `${startMillis} ms to start`);
        const longHost = await rawGet(app.port, '/long-host', [['Host', 'a'.repeat(HUGE)]]);
        assert.equal(longHost.status, 200);
        assert.ok(longHost.millis < 1000, `${longHost.millis.toFixed(0)} ms to answer a request with a 100 KB Host`);
        for (let i = 0; i < 5; i++) assert.equal((await rawGet(app.port, `/r${i}`, [['Host', 'shop.example.com']])).status, 200);
      });

      it('keeps running, with one whole line per warning and no kind twice', async () => {
        await assertChildHealthy(app, `${kind} values`);
      });

      if (delivers) {
        it('still delivers: the first request (sampled by the default rule) arrives as a valid segment', () => {
          const segment = segmentsOf(sink).find((s) => s.http?.request?.url?.endsWith('/first'));
          assert.ok(segment, `no segment for the first request; got ${sink.documents.length} documents; stderr:\n${listed(lines())}`);
          assert.match(segment.trace_id, XRAY_TRACE_ID);
        });
      }

      it('names a variable in every warning', () => {
        const names = [...variables.map((v) => v.name), ...Object.keys(fixed())];
        const unnamed = lines().filter((line) => !TOLERATED.some((t) => t.test(line)) && !names.some((name) => linesNaming([line], name).length > 0));
        assert.equal(unnamed.length, 0, `${unnamed.length} warnings name no variable (which one should the operator fix?):\n${listed(unnamed)}`);
      });

      it('quotes at most a short excerpt of a huge value (every line under 1,000 characters)', () => {
        const long = lines().filter((line) => line.length >= 1000);
        assert.equal(long.length, 0, `${long.length} lines of 1,000 characters or more:\n${listed(long)}`);
      });

      for (const variable of variables) {
        const value = valueOf(variable, kind);
        const must = variable.checked && isBad(value);
        it(`${variable.name}=${JSON.stringify(shorten(value, 40))}: ${must ? 'exactly one warning line, naming it' : 'at most one warning line naming it'}`, () => {
          const naming = linesNaming(lines(), variable.name);
          assert.ok(naming.length <= 1, `${naming.length} lines name ${variable.name}:\n${listed(naming)}`);
          if (must) assert.equal(naming.length, 1, `no warning names ${variable.name}; stderr:\n${listed(lines())}`);
        });
      }
    });
  }
});
