import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import type { Segment } from '../../src/index';
import { httpGet } from '../helpers/child-app';
import { npmInstall, packedApp } from '../helpers/packed-app';
import { UdpSink } from '../helpers/udp-sink';
import { unusedUdpAndTcpPort } from '../helpers/ports';

/**
 * Every sh and js block of the README, run as a reader would run it in a fresh app of their own:
 * - `npm install …` lines make a temp app under os.tmpdir(): otel-xray packed from this checkout and installed
 *   (test/helpers/packed-app), the other packages from npm's cache, else the registry;
 * - `[VAR=value …] node --require|--import otel-xray/register app.js|app.mjs` lines run a small http app (below)
 *   in the app made by the nearest install line above them, sending to a UdpSink: one request, then its
 *   X-Amzn-Trace-Id header, its segment (schema-validated) with content_length, and a prompt exit on SIGTERM;
 * - `npx otel-xray listen` runs the stand-in daemon, and the next run line below is pointed at it: the request's
 *   line must be printed; `npx otel-xray local` runs the local daemon and viewer the same way (its viewer on a
 *   free port): the request's trace must be in its API;
 * - a js block whose first line names its file and how it is loaded (`// tracing.js … node --require
 *   ./tracing.js app.js`) is written to that file and run the same way; it must exit with 0 within 2 s of SIGTERM.
 * A block that is not meant to run says why just before its fence: `<!-- not run: reason -->`.
 */

const ROOT = resolve(__dirname, '../../..');
const README = resolve(ROOT, 'README.md');
const CHECKED_LANGS = new Set(['sh', 'bash', 'shell', 'console', 'js', 'javascript', 'mjs', 'cjs', 'ts', 'typescript']);
const NOT_RUN = /^<!--\s*not run:\s*(.*?)\s*-->$/;

/** The user's app the run lines start: a plain node:http server, answering with a Content-Length as express does. */
const BODY = 'order 42 ready\n';
const APP_JS = `const http = require('node:http');
const body = ${JSON.stringify(BODY)};
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => console.log(\`listening \${server.address().port}\`));
`;
const APP_MJS = APP_JS.replace("const http = require('node:http');", "import http from 'node:http';");
const REQUEST_PATH = '/orders/42';

interface Snippet {
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly lang: string;
  readonly code: string;
  /** The reason given in `<!-- not run: reason -->` right before the fence. */
  readonly notRun?: string;
}

type Command =
  | { kind: 'install'; packages: string[] }
  | { kind: 'listen'; tool: 'listen' | 'local'; args: string[] }
  | { kind: 'run'; env: Record<string, string>; args: string[] };

/** The README's fenced blocks in the checked languages, with the not-run mark before each, if any. */
function readSnippets(markdown: string): Snippet[] {
  const lines = markdown.split('\n');
  const snippets: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i] as string);
    if (open === null) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i] as string); i++) body.push(lines[i] as string);
    const lang = (open[1] ?? '').toLowerCase();
    if (!CHECKED_LANGS.has(lang)) continue;
    let before = start - 1;
    while (before >= 0 && (lines[before] as string).trim() === '') before--;
    const mark = before >= 0 ? NOT_RUN.exec((lines[before] as string).trim()) : null;
    snippets.push({ line: start + 1, lang, code: body.join('\n'), ...(mark !== null ? { notRun: mark[1] ?? '' } : {}) });
  }
  return snippets;
}

/** One shell line as a command this test knows how to run, or undefined. No quoting, pipes or `&&`: plain words. */
function parseCommand(text: string): Command | undefined {
  const words = text.replace(/(^|\s)#.*$/, '').trim().split(/\s+/).filter((w) => w !== '');
  if (words.length === 0 || words.some((w) => /["'`$|;&<>()\\]/.test(w))) return undefined;
  if (words[0] === 'npm' && (words[1] === 'install' || words[1] === 'i')) {
    const packages = words.slice(2);
    return packages.length > 0 && packages.every((p) => !p.startsWith('-')) ? { kind: 'install', packages } : undefined;
  }
  if (words[0] === 'npx' && words[1] === 'otel-xray' && (words[2] === 'listen' || words[2] === 'local')) {
    return { kind: 'listen', tool: words[2], args: words.slice(3) };
  }
  const env: Record<string, string> = {};
  while (words.length > 0 && /^[A-Z_][A-Z0-9_]*=\S*$/.test(words[0] as string)) {
    const [name, ...value] = (words.shift() as string).split('=');
    env[name as string] = value.join('=');
  }
  if (words[0] !== 'node') return undefined;
  const args = words.slice(1);
  const preload = args.findIndex((a) => a === '--require' || a === '--import' || a === '-r');
  const app = args[args.length - 1] ?? '';
  if (preload < 0 || preload + 1 >= args.length - 1 || !/\.(m?js|cjs)$/.test(app)) return undefined;
  return { kind: 'run', env, args };
}

/** A js block's file and the command loading it, from its first line: `// tracing.js … node --require ./tracing.js app.js`. */
function parseJsHeader(code: string): { file: string; command: Command } | undefined {
  const first = code.split('\n')[0] ?? '';
  const file = /^\/\/\s*([\w.-]+\.(?:m?js|cjs))\b/.exec(first)?.[1];
  const commandText = /\b(node\s+\S.*)$/.exec(first)?.[1];
  if (file === undefined || commandText === undefined) return undefined;
  const command = parseCommand(commandText);
  return command?.kind === 'run' && command.args.includes(`./${file}`) ? { file, command } : undefined;
}

interface Plan {
  readonly snippet: Snippet;
  /** What runs: the block's commands (sh), or the file it becomes and its command (js). */
  readonly commands: Command[];
  readonly file?: string;
  /** The nearest install line above, whose app this block runs in. */
  readonly install?: string[];
}

/** How each block is run; `problems` gets those neither runnable nor marked. */
function plan(snippets: readonly Snippet[], problems: string[]): Plan[] {
  const plans: Plan[] = [];
  let install: string[] | undefined;
  for (const snippet of snippets) {
    if (snippet.notRun !== undefined) {
      if (snippet.notRun === '') problems.push(`line ${snippet.line}: "not run" without a reason`);
      continue;
    }
    const where = `line ${snippet.line} (${snippet.lang}: ${snippet.code.split('\n')[0]})`;
    if (['js', 'javascript', 'mjs', 'cjs'].includes(snippet.lang)) {
      const header = parseJsHeader(snippet.code);
      if (header === undefined) problems.push(`${where}: a js block must begin "// <file>.js … node --require ./<file>.js app.js"`);
      else plans.push({ snippet, commands: [header.command], file: header.file, ...(install ? { install } : {}) });
      continue;
    }
    const lines = snippet.code.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
    const commands = lines.map(parseCommand);
    const unknown = lines.filter((_, i) => commands[i] === undefined);
    if (unknown.length > 0 || (snippet.lang !== 'sh' && snippet.lang !== 'bash' && snippet.lang !== 'shell')) {
      problems.push(`${where}: not a command this test runs (${unknown.join(' | ') || snippet.lang})`);
      continue;
    }
    for (const command of commands as Command[]) if (command.kind === 'install') install = command.packages;
    plans.push({ snippet, commands: commands as Command[], ...(install ? { install } : {}) });
  }
  return plans;
}

/** The environment for npm, npx and the apps: this one without npm's run-script variables (npm test sets them). */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || name.startsWith('OTEL_') || name.startsWith('AWS_XRAY_') || name === 'INIT_CWD') continue;
    if (name.toLowerCase().startsWith('npm_') && !/^npm_config_(cache|registry|userconfig)$/i.test(name)) continue;
    env[name] = value;
  }
  env.PATH = `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`;
  return { ...env, ...extra };
}

/** Temp apps by install line: made once each. */
const apps = new Map<string, Promise<string>>();
const made: string[] = [];

/**
 * A fresh app with what `packages` installs, as a user gets it: otel-xray is this checkout packed and installed
 * (test/helpers/packed-app), the others come by `npm install --prefer-offline` (from npm's cache when it has them).
 * A line that does not name otel-xray gets an app without it. The user's app files are added.
 */
function appFor(packages: readonly string[]): Promise<string> {
  const key = packages.join(' ');
  let app = apps.get(key);
  if (app === undefined) {
    app = (async () => {
      const ours = packages.some((p) => /^otel-xray(@.*)?$/.test(p));
      const others = packages.filter((p) => !/^otel-xray(@.*)?$/.test(p));
      let dir: string;
      if (ours) {
        dir = (await packedApp()).dir;
      } else {
        dir = mkdtempSync(join(tmpdir(), 'otel-xray-readme-'));
        made.push(dir);
        writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'my-app', version: '1.0.0', private: true }, null, 2));
      }
      if (others.length > 0) await npmInstall(dir, others);
      writeFileSync(join(dir, 'app.js'), APP_JS);
      writeFileSync(join(dir, 'app.mjs'), APP_MJS);
      return dir;
    })();
    apps.set(key, app);
  }
  return app;
}

/** Starts a process and waits for `pattern` in its stdout; rejects (and kills it) after `timeoutMillis`. */
async function startUntil(
  child: ChildProcess,
  pattern: RegExp,
  timeoutMillis: number,
  kill: () => void,
): Promise<{ match: RegExpExecArray; output: () => string }> {
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const output = (): string => `stdout:\n${out}\nstderr:\n${err}`;
  const match = await new Promise<RegExpExecArray>((done, fail) => {
    const poll = setInterval(() => {
      const found = pattern.exec(out);
      if (found !== null) finish(() => done(found));
    }, 20);
    const timer = setTimeout(() => finish(() => (kill(), fail(new Error(`${pattern} not printed within ${timeoutMillis} ms\n${output()}`)))), timeoutMillis);
    const exited = (code: number | null): void => finish(() => fail(new Error(`exited (${code}) before printing ${pattern}\n${output()}`)));
    child.once('exit', exited);
    function finish(then: () => void): void {
      clearInterval(poll);
      clearTimeout(timer);
      child.off('exit', exited);
      then();
    }
  });
  return { match, output };
}

interface RunResult {
  readonly traceHeader: string;
  readonly traceId: string;
  readonly exit: { code: number | null; signal: NodeJS.Signals | null; millis: number };
  readonly output: string;
}

/** Runs a `node …` command in `dir` sending to `daemonAddress`, makes one request, stops it with SIGTERM. */
async function runApp(dir: string, command: Extract<Command, { kind: 'run' }>, daemonAddress: string): Promise<RunResult> {
  const child = spawn(process.execPath, command.args, {
    cwd: dir,
    env: cleanEnv({ ...command.env, AWS_XRAY_DAEMON_ADDRESS: daemonAddress }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const { match, output } = await startUntil(child, /listening (\d+)/, 10_000, () => child.kill('SIGKILL'));
    const reply = await httpGet(Number(match[1]), REQUEST_PATH);
    assert.equal(reply.status, 200, output());
    assert.equal(reply.body, BODY);
    const traceHeader = String(reply.headers['x-amzn-trace-id'] ?? '');
    const root = /^Root=1-([0-9a-f]{8})-([0-9a-f]{24});Sampled=1$/.exec(traceHeader);
    assert.ok(root !== null, `the response carries X-Amzn-Trace-Id with a sampled Root, not "${traceHeader}"\n${output()}`);
    const stopped = Date.now();
    const exit = await new Promise<RunResult['exit']>((done) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', (code, signal) => (clearTimeout(timer), done({ code, signal, millis: Date.now() - stopped })));
      child.kill('SIGTERM');
    });
    return { traceHeader, traceId: `1-${root[1]}-${root[2]}`, exit, output: output() };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/** The request's segment arrived, valid (UdpSink validates every document), named, with its response's size. */
async function assertSegment(sink: UdpSink, result: RunResult, env: Record<string, string>): Promise<void> {
  await sink.until((docs) => docs.some((d) => d.trace_id === result.traceId && !('type' in d)), 5000).catch((err: Error) => {
    throw new Error(`${err.message}: no segment of trace ${result.traceId} arrived\n${result.output}`);
  });
  const segment = sink.documents.find((d) => d.trace_id === result.traceId && !('type' in d)) as Segment;
  if (env.AWS_XRAY_TRACING_NAME !== undefined) assert.equal(segment.name, env.AWS_XRAY_TRACING_NAME);
  else assert.doesNotMatch(segment.name, /^unknown_service/, 'the segment is named after the service');
  assert.equal(segment.http?.request?.method, 'GET');
  assert.match(segment.http?.request?.url ?? '', new RegExp(`${REQUEST_PATH}$`));
  assert.equal(segment.http?.response?.status, 200);
  assert.equal(segment.http?.response?.content_length, Buffer.byteLength(BODY), 'the segment records the response\'s Content-Length');
}

describe('README snippets, each run in a fresh app', function () {
  this.timeout(30_000);
  const problems: string[] = [];
  const snippets = readSnippets(readFileSync(README, 'utf8'));
  const plans = plan(snippets, problems);
  let sink: UdpSink;
  let sinkAddress: string;

  before(async () => {
    sink = new UdpSink();
    sinkAddress = `127.0.0.1:${await sink.start()}`;
  });

  after(async () => {
    await sink.close();
    await Promise.allSettled(apps.values());
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });

  it('every sh and js block of the README is run below or marked <!-- not run: reason -->', () => {
    assert.deepEqual(problems, []);
    assert.ok(plans.length > 0, 'some blocks run');
  });

  for (const [index, { snippet, commands, file, install }] of plans.entries()) {
    const title = `line ${snippet.line}: ${file ?? snippet.code.split('\n')[0]}`;
    it(title, async function () {
      for (const command of commands) {
        if (command.kind !== 'install' && install === undefined) assert.fail('no `npm install …` block above this one says what the app needs');
        if (command.kind === 'install') {
          this.timeout(90_000); // npm, from its cache when it has the packages
          const dir = await appFor(command.packages);
          for (const name of command.packages.map((p) => p.replace(/(.)@.*$/, '$1'))) {
            assert.ok(existsSync(join(dir, 'node_modules', name, 'package.json')), `${name} is installed`);
          }
        } else if (command.kind === 'run') {
          const dir = await appFor(install as string[]);
          if (file !== undefined) writeFileSync(join(dir, file), snippet.code);
          const result = await runApp(dir, command, sinkAddress);
          await assertSegment(sink, result, command.env);
          assert.ok(result.exit.millis < 2000, `stopped within 2 s of SIGTERM, not ${result.exit.millis} ms\n${result.output}`);
          if (file !== undefined) {
            assert.deepEqual({ code: result.exit.code, signal: result.exit.signal }, { code: 0, signal: null }, `${file}'s shutdown ends the process cleanly\n${result.output}`);
          }
        } else {
          // The stand-in daemon, with the next app run line below pointed at it: the request's line is printed.
          const next = plans.slice(index + 1).filter((p) => p.file === undefined).flatMap((p) => p.commands).find((c) => c.kind === 'run');
          assert.ok(next?.kind === 'run', 'a `node --require otel-xray/register …` line follows to send it something');
          const dir = await appFor(install as string[]);
          const address = `127.0.0.1:${await unusedUdpAndTcpPort()}`;
          const viewerArgs = command.tool === 'local' ? ['--ui', '127.0.0.1:0'] : [];
          const listener = spawn('npx', ['otel-xray', command.tool, ...command.args, ...viewerArgs], {
            // npm_config_yes=false: never fetch an otel-xray from the registry when the app lacks it.
            cwd: dir, env: cleanEnv({ AWS_XRAY_DAEMON_ADDRESS: address, npm_config_yes: 'false' }), stdio: ['ignore', 'pipe', 'pipe'], detached: true,
          });
          const stop = (): void => {
            try {
              process.kill(-(listener.pid as number), 'SIGTERM');
            } catch {
              // already gone
            }
          };
          try {
            if (command.tool === 'local') {
              const { match } = await startUntil(listener, new RegExp(`X-Ray daemon on udp ${address} .*viewer at (http://\\S+)`), 15_000, stop);
              const result = await runApp(dir, next, address);
              const viewer = match[1] as string;
              let ids: string[] = [];
              for (let i = 0; i < 100 && !ids.includes(result.traceId); i++) {
                const reply = await fetch(`${viewer}/api/traces`);
                ids = ((await reply.json()) as { traces: Array<{ id: string }> }).traces.map((t) => t.id);
                if (!ids.includes(result.traceId)) await new Promise((r) => setTimeout(r, 20));
              }
              assert.ok(ids.includes(result.traceId), `the viewer lists the request's trace ${result.traceId}: ${ids.join(', ')}`);
            } else {
              const { output } = await startUntil(listener, new RegExp(`listening on udp ${address}`), 15_000, stop);
              const result = await runApp(dir, next, address);
              const line = new RegExp(`^segment "[^"]+" ${result.traceId} GET http://\\S+${REQUEST_PATH} 200 [\\d.]+ ms`, 'm');
              for (let i = 0; i < 100 && !line.test(output()); i++) await new Promise((r) => setTimeout(r, 20));
              assert.match(output(), line, 'the listener prints the request\'s segment');
            }
          } finally {
            stop();
          }
        }
      }
    });
  }
});
