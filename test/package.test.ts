import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../src/index';

const ROOT = resolve(__dirname, '../..');

describe('the package', () => {
  it('states its name and version as package.json does', () => {
    const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
    assert.equal(PACKAGE_NAME, pkg.name);
    assert.equal(PACKAGE_VERSION, pkg.version);
  });

  it('the unbundled build loads without instrumentations, sockets or timers, and without output', () => {
    const script = `
      const before = new Set(Object.keys(require.cache));
      const api = require(${JSON.stringify(resolve(ROOT, 'build/src/index.js'))});
      const loaded = Object.keys(require.cache).filter((k) => !before.has(k));
      const heavy = loaded.filter((k) => /node_modules[/](@opentelemetry[/](instrumentation|sdk-node|exporter-)|@fastify)/.test(k));
      const handles = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
      console.log(JSON.stringify({ heavy, handles, exports: Object.keys(api).sort() }));`;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as {
      heavy: string[]; handles: string[]; exports: string[];
    };
    assert.deepEqual(out.heavy, []);
    assert.deepEqual(out.handles, []);
    for (const name of ['toSegmentDocuments', 'XRaySpanExporter', 'SegmentTranslator']) assert.ok(out.exports.includes(name), name);
  });

  it('the package entry is the bundle: the same exports as the build (plus the preload entry), no handles, no output', () => {
    const script = `
      const before = new Set(Object.keys(require.cache));
      const api = require(${JSON.stringify(ROOT)});
      const loaded = Object.keys(require.cache).filter((k) => !before.has(k));
      const handles = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
      console.log(JSON.stringify({ loaded, handles, exports: Object.keys(api).sort() }));`;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as {
      loaded: string[]; handles: string[]; exports: string[];
    };
    // One file, and the OTel API (a peer dependency, one copy per app): nothing else is resolved at load.
    assert.equal(out.loaded[0], resolve(ROOT, 'build/bundle/otel-xray.js'));
    assert.deepEqual(out.loaded.slice(1).filter((k) => !k.includes(`node_modules${sep}@opentelemetry${sep}api${sep}`)), []);
    assert.deepEqual(out.handles, []);
    const built = Object.keys(require('../src/index') as object).sort();
    assert.deepEqual(out.exports, [...built, 'registerPreload', 'runCli'].sort());
  });

  it('an ES module app imports the named exports', () => {
    const url = pathToFileURL(resolve(ROOT, 'build/bundle/otel-xray.js')).href;
    const script = `import * as all from ${JSON.stringify(url)}; import { start, inSubsegment } from ${JSON.stringify(url)};
      console.log(JSON.stringify({ names: Object.keys(all).filter((k) => k !== 'default').sort(), start: typeof start, inSubsegment: typeof inSubsegment }));`;
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as { names: string[]; start: string; inSubsegment: string };
    assert.equal(out.start, 'function');
    assert.equal(out.inSubsegment, 'function');
    const built = Object.keys(require('../src/index') as object).sort();
    assert.deepEqual(out.names, [...built, 'registerPreload', 'runCli'].sort());
  });

  it('an app under the preload that also requires the package gets the running instance, not a second tracer', () => {
    const script = `
      const otelXray = require(${JSON.stringify(ROOT)});
      const warnings = [];
      const write = process.stderr.write.bind(process.stderr);
      process.stderr.write = (chunk, ...rest) => { warnings.push(String(chunk)); return write(chunk, ...rest); };
      const again = otelXray.start();
      console.log(JSON.stringify({ warnings }));
      again.shutdown();`;
    const out = JSON.parse(execFileSync(process.execPath, ['--require', resolve(ROOT, 'register.js'), '-e', script], {
      encoding: 'utf8', env: { PATH: process.env.PATH, AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:9', AWS_XRAY_SAMPLING: 'false' },
    })) as { warnings: string[] };
    assert.equal(out.warnings.filter((w) => w.includes('already started')).length, 1, out.warnings.join(''));
  });

  it('a CommonJS app under the preload does not load import-in-the-middle (no ES module loader can use it)', () => {
    const script = `console.log(JSON.stringify(Object.keys(require.cache).filter((k) => k.includes('import-in-the-middle'))))`;
    const out = execFileSync(process.execPath, ['--require', resolve(ROOT, 'register.js'), '-e', script], {
      encoding: 'utf8', env: { PATH: process.env.PATH, AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:9', AWS_XRAY_SAMPLING: 'false' },
    });
    assert.deepEqual(JSON.parse(out), []);
  });

  it('preloads with --require ./register without breaking the app', () => {
    const out = execFileSync(process.execPath, ['--require', resolve(ROOT, 'register.js'), '-e', 'console.log("app ran")'], { encoding: 'utf8' });
    assert.equal(out.trim(), 'app ran');
  });
});
