import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../src/index';

const ROOT = resolve(__dirname, '../..');

describe('the package', () => {
  it('states its name and version as package.json does', () => {
    const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
    assert.equal(PACKAGE_NAME, pkg.name);
    assert.equal(PACKAGE_VERSION, pkg.version);
  });

  it('loads without instrumentations, sockets or timers, and without output', () => {
    const script = `
      const before = new Set(Object.keys(require.cache));
      const api = require(${JSON.stringify(ROOT)});
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

  it('preloads with --require ./register without breaking the app', () => {
    const out = execFileSync(process.execPath, ['--require', resolve(ROOT, 'register.js'), '-e', 'console.log("app ran")'], { encoding: 'utf8' });
    assert.equal(out.trim(), 'app ran');
  });
});
