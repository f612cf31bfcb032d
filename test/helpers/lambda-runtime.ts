import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { ROOT } from './child-app';

/**
 * Drives test/fixtures/lambda/runtime.cjs, a local stand-in for the AWS Lambda Node.js runtime: it loads a handler
 * as Lambda does, runs invocations on command and freezes the process (a blocking read: no JavaScript at all)
 * between them, as Lambda freezes the execution environment once an invocation settled.
 */

export const LAMBDA_RUNTIME = resolve(ROOT, 'test/fixtures/lambda/runtime.cjs');
export const LAMBDA_HANDLERS = resolve(ROOT, 'test/fixtures/lambda/handlers');

/** How long the runtime may take to load the handler and report ready. */
const READY_SECONDS = 30;
/** How long exit() waits before SIGKILL. */
const EXIT_SECONDS = 5;

export interface LambdaOptions {
  /** LAMBDA_TASK_ROOT: the directory `handler` is relative to. */
  taskRoot: string;
  /** _HANDLER: `path/file.exportName` (file without extension: .js, .mjs, .cjs are tried). */
  handler: string;
  /** Added to (and overriding) the Lambda-like defaults. */
  env?: Record<string, string>;
  /** otel-xray's register.js as `--require` or `--import`, or nothing (default 'require'). */
  preload?: 'require' | 'import' | null;
  /** 'legacy': header only in env `_X_AMZN_TRACE_ID`; 'current' (default): also context.xRayTraceId, InvokeStore. */
  ric?: 'legacy' | 'current';
  /** Extra node flags, before the preload. */
  nodeArgs?: string[];
}

export interface Invocation {
  /** Default: a random uuid. */
  requestId?: string;
  /** The invocation's X-Ray trace header; null or absent: none. */
  traceHeader?: string | null;
  event?: unknown;
}

export interface InvocationResult {
  requestId: string;
  ok: boolean;
  /** The handler's result (undefined becomes null); for a streaming handler, what it wrote, as a string. */
  value?: unknown;
  error?: { name: string; message: string };
}

export interface Settled {
  /** In the order of the invocations. */
  results: InvocationResult[];
  /** process.getActiveResourcesInfo() at the freeze. */
  activeResources: string[];
  /** process.memoryUsage().heapUsed after a full gc, at the freeze. */
  heapUsed: number;
}

export interface LambdaProcess {
  readonly child: ChildProcess;
  /** From the runtime's ready line: time spent loading the handler module, and performance.now() at ready. */
  readonly ready: { initMillis: number; sinceProcessStartMillis: number };
  /**
   * Runs the invocations (more than one: at once, needs ric 'current' and AWS_LAMBDA_MAX_CONCURRENCY) and resolves
   * once all settled, with the process frozen again. Rejects with the process output if it dies or refuses.
   */
  invoke(...invocations: Invocation[]): Promise<Settled>;
  /** stdout and stderr so far, interleaved as received. */
  output(): string;
  /** Asks the runtime to exit (SIGKILL after 5 s); resolves with the exit code (null if killed). */
  exit(): Promise<number | null>;
}

interface Line {
  type: string;
  [key: string]: unknown;
}

interface Waiter {
  resolve(line: Line): void;
  reject(err: Error): void;
}

/** Starts the runtime stand-in and waits for it to load the handler; rejects on an init error (with the output). */
export async function startLambda(options: LambdaOptions): Promise<LambdaProcess> {
  const preload = options.preload === undefined ? 'require' : options.preload;
  const preloadArgs = preload === null ? [] : [`--${preload}`, resolve(ROOT, 'register.js')];
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    AWS_LAMBDA_FUNCTION_NAME: 'my-function',
    AWS_REGION: 'us-east-1',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/my-function',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
    LAMBDA_TASK_ROOT: options.taskRoot,
    _HANDLER: options.handler,
    LAMBDA_HARNESS_RIC: options.ric ?? 'current',
    ...options.env,
  };
  const child = spawn(process.execPath, ['--expose-gc', ...(options.nodeArgs ?? []), ...preloadArgs, LAMBDA_RUNTIME], {
    cwd: options.taskRoot,
    env,
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
  });
  const stdin = child.stdio[0] as Writable;
  const stdout = child.stdio[1] as Readable;
  const stderr = child.stdio[2] as Readable;
  const control = child.stdio[3] as Readable;

  let output = '';
  stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  // A write to a child that just died: reported through 'exit' below.
  stdin.on('error', () => {});

  const waiters: Waiter[] = [];
  let exited: string | undefined;
  const exitedPromise = new Promise<number | null>((resolveExit) => {
    child.once('exit', (code, signal) => {
      exited = `exited (code ${code}, signal ${signal})`;
      resolveExit(code);
    });
  });

  // While nothing is awaited the child does not keep this process alive: a test that forgot exit() does not hang
  // mocha, and the child exits on the end of its stdin when this process ends.
  const handles = [stdin, stdout, stderr, control] as unknown as Array<{ ref?(): void; unref?(): void }>;
  const updateRef = (): void => {
    const method = waiters.length > 0 ? 'ref' : 'unref';
    child[method]();
    for (const handle of handles) handle[method]?.();
  };

  const failAll = (reason: string): void => {
    // Let the last output arrive (the pipes close after 'exit') before reporting it.
    setImmediate(() => {
      for (const waiter of waiters.splice(0)) {
        waiter.reject(new Error(`lambda runtime ${reason}; output:\n${output}`));
      }
      updateRef();
    });
  };
  child.once('close', () => failAll(exited ?? 'closed'));
  child.once('error', (err) => failAll(`failed: ${err.message}`));

  let pending = '';
  control.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const text = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (text.trim() === '') continue;
      const line = JSON.parse(text) as Line;
      const waiter = waiters.shift();
      updateRef();
      if (waiter === undefined) output += `[lambda-runtime helper] unexpected line: ${text}\n`;
      else waiter.resolve(line);
    }
  });

  const nextLine = (): Promise<Line> =>
    new Promise<Line>((resolveLine, reject) => {
      if (exited !== undefined) {
        reject(new Error(`lambda runtime ${exited}; output:\n${output}`));
        return;
      }
      waiters.push({ resolve: resolveLine, reject });
      updateRef();
    });

  const exit = async (): Promise<number | null> => {
    if (exited === undefined) {
      stdin.write(JSON.stringify({ type: 'exit' }) + '\n');
      const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_SECONDS * 1000);
      child.ref();
      try {
        return await exitedPromise;
      } finally {
        clearTimeout(timer);
      }
    }
    return exitedPromise;
  };

  let readyTimer: NodeJS.Timeout | undefined;
  const first = await Promise.race([
    nextLine(),
    new Promise<never>((_, reject) => {
      readyTimer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`lambda runtime not ready within ${READY_SECONDS} s; output:\n${output}`));
      }, READY_SECONDS * 1000);
    }),
  ]).finally(() => clearTimeout(readyTimer));
  if (first.type !== 'ready') {
    await exit();
    const error = first.error as { name: string; message: string } | undefined;
    throw new Error(
      first.type === 'init-error' && error !== undefined
        ? `lambda init error: ${error.name}: ${error.message}; output:\n${output}`
        : `lambda runtime sent ${JSON.stringify(first)} instead of ready; output:\n${output}`,
    );
  }

  return {
    child,
    ready: { initMillis: Number(first.initMillis), sinceProcessStartMillis: Number(first.sinceProcessStartMillis) },
    output: () => output,
    exit,
    async invoke(...invocations: Invocation[]): Promise<Settled> {
      if (invocations.length === 0) invocations = [{}];
      const command = {
        type: 'invoke',
        invocations: invocations.map((inv) => ({
          requestId: inv.requestId ?? randomUUID(),
          traceHeader: inv.traceHeader ?? null,
          event: inv.event === undefined ? {} : inv.event,
        })),
      };
      const reply = nextLine();
      if (exited === undefined) stdin.write(JSON.stringify(command) + '\n');
      const line = await reply;
      if (line.type !== 'settled') {
        throw new Error(`lambda runtime refused the invocation: ${JSON.stringify(line)}; output:\n${output}`);
      }
      return {
        results: line.results as InvocationResult[],
        activeResources: line.activeResources as string[],
        heapUsed: line.heapUsed as number,
      };
    },
  };
}

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

/**
 * A fresh X-Ray trace header `Root=1-<8 hex time>-<24 hex>;Parent=<16 hex>;Sampled=<1|0>`. `sampled` null or
 * `parent` null leave that part out (parent is then '' in the result).
 */
export function traceHeader(options: { sampled?: '1' | '0' | null; parent?: string | null } = {}): {
  header: string;
  root: string;
  parent: string;
} {
  const root = `1-${Math.floor(Date.now() / 1000).toString(16).padStart(8, '0')}-${hex(12)}`;
  const parent = options.parent === null ? '' : options.parent ?? hex(8);
  const sampled = options.sampled === undefined ? '1' : options.sampled;
  let header = `Root=${root}`;
  if (parent !== '') header += `;Parent=${parent}`;
  if (sampled !== null) header += `;Sampled=${sampled}`;
  return { header, root, parent };
}
