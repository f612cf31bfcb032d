import * as assert from 'node:assert/strict';
import { computeOwnCodePaths } from '../../src/own-code';
import { parseStackTrace } from '../../src/translate/stack-trace';

describe("otel-xray's own frames are left out of users' stack traces", () => {
  const pkg = '/srv/app/node_modules/otel-xray/';
  const hidden = computeOwnCodePaths(`${pkg}build/bundle`);

  it('knows its own files from where it runs: the bundle, the compiled sources, and what source maps point to', () => {
    assert.deepEqual(hidden, [`${pkg}build/bundle/`, `${pkg}build/src/`, `${pkg}src/`, `${pkg}register.js`, `${pkg}node_modules/@opentelemetry/`]);
    assert.deepEqual(computeOwnCodePaths('/somewhere/else'), [], 'an unknown layout hides nothing');
  });

  it('drops those frames wherever they stand, keeps the order of the rest, and counts what it dropped', () => {
    const trace = [
      'Error: order service failed',
      '    at handler (/srv/app/routes/orders.js:12:11)',
      `    at patched (${pkg}build/bundle/otel-xray.js:4021:27)`,
      '    at Layer.handle [as handle_request] (/srv/app/node_modules/express/lib/router/layer.js:95:5)',
      `    at contextWrapper (file://${pkg}build/bundle/otel-xray.js:911:14)`,
      `    at AsyncLocalStorage.run (node:async_hooks:346:14)`,
      `    at wrapped (${pkg}src/recorder/recorder.ts:80:3)`,
      '    at main (/srv/app/index.js:3:1)',
    ].join('\n');
    const parsed = parseStackTrace(trace, 'v8', '/srv/app', hidden);
    assert.deepEqual(parsed.frames.map((f) => f.path), ['routes/orders.js', 'node_modules/express/lib/router/layer.js', 'node:async_hooks', 'index.js']);
    assert.equal(parsed.truncated, 3);
    assert.equal(parseStackTrace(trace, 'v8', '/srv/app', []).frames.length, 7, 'with no hidden paths every frame stays');
  });
});
