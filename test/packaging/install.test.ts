import * as assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Segment, Subsegment } from '../../src/index';
import { httpGet } from '../helpers/child-app';
import { apiBundleIn, footprint, npmInstall, packedApp } from '../helpers/packed-app';
import type { Footprint } from '../helpers/packed-app';
import { UdpSink } from '../helpers/udp-sink';

const ROOT = resolve(__dirname, '../../..');
const devDependencies = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies;

/** What `npm install otel-xray` may add for the preload and the package root, the peer @opentelemetry/api aside. */
const MAX_PACKAGES = 10;
const MAX_BYTES = 5 * 1000 * 1000;

/** Runs `node <args>` in `cwd`; resolves with its output, rejects with it when node fails or runs over a minute. */
function runNode(cwd: string, args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    execFile(process.execPath, [...args], { cwd, env: { PATH: process.env.PATH ?? '' }, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error !== null) reject(new Error(`node ${args.join(' ')}: ${error.message}\n${stdout}\n${stderr}`));
      else resolveRun({ stdout, stderr });
    });
  });
}

interface Started {
  readonly port: number;
  stop(): Promise<void>;
}

/** Starts `node <args>` in `cwd` and waits (at most 10 s) for it to print `listening <port>`. */
function startIn(cwd: string, args: readonly string[], env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, [...args], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const stop = (): Promise<void> =>
    new Promise((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done();
      child.once('exit', () => done());
      child.kill('SIGKILL');
    });
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => void stop().then(() => reject(new Error(`node ${args.join(' ')} did not listen within 10 s: ${stderr}`))), 10_000);
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const match = /listening (\d+)/.exec(out);
      if (match !== null) {
        clearTimeout(timer);
        resolveStart({ port: Number(match[1]), stop });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`node ${args.join(' ')} exited (${code}) before listening: ${stderr}`));
    });
  });
}

function allSubsegments(entity: { subsegments?: Subsegment[] }): Subsegment[] {
  return (entity.subsegments ?? []).flatMap((s) => [s, ...allSubsegments(s)]);
}

/** The version of the OTel API the package ships in one file (build/bundle/opentelemetry-api-<version>.js). */
const bundledApi = (): string => apiBundleIn(join(__dirname, '../../bundle')).version;

const MB = (bytes: number): string => `${(bytes / 1e6).toFixed(2)} MB`;

describe('the packed package, installed into a fresh app', function () {
  // npm installs from the cache take a few seconds each; the whole file stays well under a minute.
  this.timeout(120_000);
  const sink = new UdpSink();
  let daemon = '';
  let dir = '';
  let withApi: Footprint;
  let withoutApi: Footprint;
  const running: Started[] = [];
  const segments = (): Segment[] => sink.documents.filter((d) => (d as { type?: string }).type === undefined) as Segment[];

  before(async () => {
    daemon = `127.0.0.1:${await sink.start()}`;
    ({ dir } = await packedApp());
    // Measured before a test adds anything: what `npm install otel-xray` gives.
    withApi = footprint(dir);
    withoutApi = footprint(dir, ['@opentelemetry/api']);
  });
  beforeEach(() => sink.clear());
  after(async () => {
    await Promise.all(running.map((app) => app.stop()));
    await sink.close();
  });

  it(`installs at most ${MAX_PACKAGES} packages and ${MAX_BYTES / 1e6} MB (the peer @opentelemetry/api aside)`, () => {
    // eslint-disable-next-line no-console
    console.log(`      installed: ${withoutApi.packages.length} packages, ${MB(withoutApi.bytes)} ` +
      `(with @opentelemetry/api: ${withApi.packages.length}, ${MB(withApi.bytes)}): ${withoutApi.packages.join(', ')}`);
    assert.ok(withApi.packages.includes('@opentelemetry/api'), 'npm installs the peer API');
    assert.ok(withoutApi.packages.length <= MAX_PACKAGES, withoutApi.packages.join(', '));
    assert.ok(withoutApi.bytes <= MAX_BYTES, MB(withoutApi.bytes));
    // What runs: our bundle and import-in-the-middle (the ES module loader); no OTel package besides the API.
    assert.deepEqual(withoutApi.packages.filter((p) => p.startsWith('@opentelemetry/')), []);
    assert.ok(withoutApi.packages.includes('import-in-the-middle'));
  });

  it('ships the bundle, the declarations and the entry points, and no source map', () => {
    const list = (sub: string): string[] => readdirSync(join(dir, 'node_modules/otel-xray', sub));
    // The OTel API in one file (load-bundle.js), and the V8 code caches of it and of the bundle, for the V8 that
    // built the package.
    const caches = list('build/bundle').filter((f) => /^(otel-xray|opentelemetry-api-[\w.+-]+)\.js\.[\w.-]+\.cache$/.test(f));
    assert.equal(caches.length, 2, caches.join(', '));
    assert.deepEqual(list('build/bundle').filter((f) => !caches.includes(f)).sort(), [`opentelemetry-api-${bundledApi()}.js`, 'otel-xray.js', 'yaml.js']);
    // build/src: declarations only (the bundle is what runs).
    assert.deepEqual(list('build/src').filter((f) => !f.endsWith('.d.ts') && !statSync(join(dir, 'node_modules/otel-xray/build/src', f)).isDirectory()), []);
    assert.ok(list('build/src').includes('index.d.ts'));
    assert.deepEqual(list('bin'), ['otel-xray.js']);
    for (const file of ['register.js', 'load-bundle.js', 'code-cache-run.js', 'LICENSE', 'README.md', 'package.json']) assert.ok(list('.').includes(file), file);
  });

  it('node --require otel-xray/register traces a node:http app, loading only the bundle and the OTel API', async () => {
    writeFileSync(join(dir, 'app.js'), `'use strict';
const http = require('node:http');
const server = http.createServer((req, res) => {
  // What the process has loaded from node_modules by now: the preload's files and the app's.
  res.end(JSON.stringify(Object.keys(require.cache).filter((file) => file.includes('node_modules'))));
});
server.listen(0, '127.0.0.1', () => process.stdout.write('listening ' + server.address().port + '\\n'));
`);
    const app = await startIn(dir, ['--require', 'otel-xray/register', 'app.js'], { AWS_XRAY_DAEMON_ADDRESS: daemon, AWS_XRAY_TRACING_NAME: 'packed-cjs', AWS_XRAY_SAMPLING: 'false' });
    running.push(app);
    const reply = await httpGet(app.port, '/hello');
    assert.match(String(reply.headers['x-amzn-trace-id']), /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Sampled=1$/);
    const loaded = (JSON.parse(reply.body) as string[]).map((file) => file.slice(file.lastIndexOf('node_modules')).replace(/\\/g, '/'));
    assert.deepEqual(loaded.filter((f) => !f.startsWith('node_modules/@opentelemetry/api/')).sort(), [
      'node_modules/otel-xray/build/bundle/otel-xray.js',
      'node_modules/otel-xray/load-bundle.js',
      'node_modules/otel-xray/register.js',
    ]);
    // npm installed the API version the package bundled (its peer range stops below the next minor, as the OTel SDK
    // it bundles does), so the preload ran it from one file, registered as the installed entry.
    const installedApi = (JSON.parse(readFileSync(join(dir, 'node_modules/@opentelemetry/api/package.json'), 'utf8')) as { version: string }).version;
    assert.equal(installedApi, bundledApi(), `npm installs API ${installedApi}, the build bundled ${bundledApi()}: pin the devDependency @opentelemetry/api to ${installedApi} and rebuild`);
    assert.deepEqual(loaded.filter((f) => f.startsWith('node_modules/@opentelemetry/api/')), ['node_modules/@opentelemetry/api/build/src/index.js']);
    await sink.waitFor(1);
    const segment = segments()[0]!;
    assert.equal(segment.name, 'packed-cjs');
    assert.equal(segment.http?.request?.url, `http://127.0.0.1:${app.port}/hello`);
  });

  it('node --import otel-xray/register traces an ES module express app (its layers as subsegments)', async () => {
    await npmInstall(dir, [`express@${devDependencies['express']}`]);
    writeFileSync(join(dir, 'app.mjs'), `import express from 'express';
const app = express();
app.use((req, res, next) => next());
app.get('/orders/:id', (req, res) => res.json({ id: req.params.id }));
const server = app.listen(0, '127.0.0.1', () => process.stdout.write('listening ' + server.address().port + '\\n'));
`);
    const app = await startIn(dir, ['--import', 'otel-xray/register', 'app.mjs'], { AWS_XRAY_DAEMON_ADDRESS: daemon, AWS_XRAY_TRACING_NAME: 'packed-esm', AWS_XRAY_SAMPLING: 'false' });
    running.push(app);
    assert.equal((await httpGet(app.port, '/orders/42')).body, '{"id":"42"}');
    await sink.waitFor(1);
    const segment = segments()[0]!;
    assert.equal(segment.name, 'packed-esm');
    // The express instrumentation patched an `import`ed express: only import-in-the-middle's loader, resolved
    // from the installed package, makes that happen.
    const names = allSubsegments(segment).map((s) => s.name);
    assert.ok(names.length > 0, 'express layers are subsegments');
    assert.equal(segment.metadata?.default?.['http.route'], '/orders/:id', JSON.stringify(segment));
  });

  it("require('otel-xray') and import give the API; the otel-xray command runs", async () => {
    const script = `const api = require('otel-xray');
console.log(JSON.stringify({ toSegmentDocuments: typeof api.toSegmentDocuments, start: typeof api.start, XRaySpanProcessor: typeof api.XRaySpanProcessor }));`;
    assert.deepEqual(JSON.parse((await runNode(dir, ['-e', script])).stdout), { toSegmentDocuments: 'function', start: 'function', XRaySpanProcessor: 'function' });
    const esm = `import { toSegmentDocuments, XRaySampler } from 'otel-xray'; console.log(typeof toSegmentDocuments, typeof XRaySampler);`;
    assert.equal((await runNode(dir, ['--input-type=module', '-e', esm])).stdout.trim(), 'function function');
    // A YAML adaptive sampling configuration: its parser ships as a file of its own, read only then.
    const yaml = `process.env.AWS_XRAY_ADAPTIVE_SAMPLING_CONFIG = 'version: 1\\nanomalyCaptureLimit:\\n  anomalyTracesPerSecond: 2\\n';
require('otel-xray').start({ sampling: false });
console.log(JSON.stringify(Object.keys(require.cache).filter((f) => f.includes('yaml')).map((f) => f.slice(f.lastIndexOf('node_modules')))));
process.exit(0);`;
    const parsed = await runNode(dir, ['-e', yaml]);
    assert.deepEqual(JSON.parse(parsed.stdout), ['node_modules/otel-xray/build/bundle/yaml.js']);
    assert.equal(parsed.stderr, '', 'the configuration was read without a warning');
    // The command as npm linked it (its usage goes to stderr).
    assert.match((await runNode(dir, [join(dir, 'node_modules/.bin/otel-xray'), '--help'])).stderr, /otel-xray listen/);
  });

  it('otel-xray cache writes the code caches for the Node that runs it, and the preload then uses them', async () => {
    // As on a Node other than the one that built the package: no cache for this V8.
    const bundleDir = join(dir, 'node_modules/otel-xray/build/bundle');
    const mine = (): string[] => readdirSync(bundleDir).filter((f) => f.endsWith(`.${process.versions.v8}-${process.arch}.cache`)).sort();
    for (const file of mine()) rmSync(join(bundleDir, file));
    // How the preload's loader (not an export: required by path) loads the bundle and the API.
    const loaded = `const l = require('./node_modules/otel-xray/load-bundle.js'); l.loadBundle(); console.log(l.loadBundle.cache, l.loadBundle.api);`;
    assert.equal((await runNode(dir, ['-e', loaded])).stdout.trim(), 'absent compiled');
    const { stdout } = await runNode(dir, [join(dir, 'node_modules/.bin/otel-xray'), 'cache']);
    assert.equal(mine().length, 2, mine().join(', '));
    assert.ok(mine().some((f) => f.startsWith('otel-xray.js.')) && mine().some((f) => f.startsWith(`opentelemetry-api-${bundledApi()}.js.`)), mine().join(', '));
    assert.match(stdout, new RegExp(`code cache for Node ${process.version.replace(/\./g, '\\.')}: `));
    // Written whole, under their final names: no temporary file is left.
    assert.deepEqual(readdirSync(bundleDir).filter((f) => f.endsWith('.tmp')), []);
    assert.equal((await runNode(dir, ['-e', loaded])).stdout.trim(), 'used used');
    // V8 takes a cache only under the flags that made it: the command's own node options are the warm-up's.
    await runNode(dir, ['--max-old-space-size=300', join(dir, 'node_modules/.bin/otel-xray'), 'cache']);
    assert.equal((await runNode(dir, ['--max-old-space-size=300', '-e', loaded])).stdout.trim(), 'used used');
    assert.equal((await runNode(dir, ['-e', loaded])).stdout.trim(), 'rejected rejected');
  });

  /** A tsconfig.json for the app: strict, checking `files` against @types/node from this repository. */
  const writeTsconfig = (skipLibCheck: boolean, files: string[]): void => {
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'es2022', module: 'node16', moduleResolution: 'node16', lib: ['es2022'], strict: true, noEmit: true,
        skipLibCheck, typeRoots: [join(ROOT, 'node_modules/@types')], types: ['node'],
      },
      files,
    }));
  };
  const tsc = (): Promise<unknown> =>
    runNode(dir, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir]).catch((error: Error) => assert.fail(error.message));

  it('a TypeScript app using only start() and the recorder type-checks without the SDK packages (skipLibCheck)', async () => {
    // Our declarations name OTel SDK packages (optional peer dependencies): without them installed, only
    // skipLibCheck (tsc --init's default) leaves those names unchecked; nothing this app uses depends on them.
    writeTsconfig(true, ['start.ts']);
    writeFileSync(join(dir, 'start.ts'), `import { inSubsegment, start } from 'otel-xray';
import type { XRayHandle } from 'otel-xray';
export const handle: XRayHandle = start({ tracingName: 'checkout' });
export const answer: number = inSubsegment('lookup', () => 42);
`);
    await tsc();
  });

  it('its types are complete for an app that plugs our parts into its own NodeSDK (tsc, strict, no skipLibCheck)', async () => {
    // What such an app installs itself (README, "Three ways in", 3): the NodeSDK brings the SDK packages our
    // declarations name, the instrumentations the two config helpers are typed by (optional peer dependencies).
    const versioned = (name: string): string => `${name}@${devDependencies[name]}`;
    await npmInstall(dir, ['sdk-node', 'id-generator-aws-xray', 'instrumentation-http', 'instrumentation-undici'].map((p) => versioned(`@opentelemetry/${p}`)));
    // Every declaration file is checked, ours included: an import in them that does not resolve is an error.
    writeTsconfig(false, ['tracing.ts', 'esm.mts']);
    writeFileSync(join(dir, 'tracing.ts'), `import { NodeSDK, tracing } from '@opentelemetry/sdk-node';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { AWSXRayIdGenerator } from '@opentelemetry/id-generator-aws-xray';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { fetchInstrumentationConfig, httpInstrumentationConfig, start, toSegmentDocuments, XRayPropagator, XRaySampler,
  XRaySpanExporter, XRaySpanProcessor } from 'otel-xray';
import type { SegmentDocument, XRayHandle } from 'otel-xray';

const sdk = new NodeSDK({
  serviceName: 'checkout',
  idGenerator: new AWSXRayIdGenerator(),
  textMapPropagator: new XRayPropagator(),
  sampler: new XRaySampler(),
  spanProcessors: [new XRaySpanProcessor(), new tracing.BatchSpanProcessor(new XRaySpanExporter())],
  instrumentations: [new HttpInstrumentation(httpInstrumentationConfig()), new UndiciInstrumentation(fetchInstrumentationConfig())],
});
sdk.start();
const documents: SegmentDocument[] = toSegmentDocuments([] as ReadableSpan[]);
const handle: XRayHandle = start({ tracingName: 'checkout' });
export { documents, handle };
`);
    writeFileSync(join(dir, 'esm.mts'), `import { XRaySpanProcessor, type XRayProcessorStats } from 'otel-xray';
export const stats: XRayProcessorStats = new XRaySpanProcessor().stats();
`);
    await tsc();
  });
});
