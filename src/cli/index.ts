import { writeCodeCaches } from './cache';
import { listen } from './listen';
import { parseLocalArgs } from './local-args';

const USAGE = `usage: otel-xray local [options]     a local X-Ray daemon with a trace viewer in the browser
       otel-xray listen [options]    a stand-in daemon that prints one line per document
       otel-xray cache               the preload's code cache for this Node

  local   receives what your traced apps send to the X-Ray daemon, joins it into traces and shows them at
          http://127.0.0.1:2001: the trace list with X-Ray filter expressions, each trace's timeline, the service
          map, and a JSON API (/api/traces, /api/traces/ID, /api/service-map, /api/stats). Nothing leaves the machine.
          --address host:port     the daemon's address: UDP, and the sampling API on TCP (default
                                  AWS_XRAY_DAEMON_ADDRESS, else 127.0.0.1:2000)
          --ui host:port          the viewer's address (default 127.0.0.1:2001)
          --sampling-rules file   answer the sampling API from this rules file (default: X-Ray's default rule)
          --tail                  print each finished trace as a tree
          --forward host:port     relay every valid datagram to a real daemon too
          --max-traces N          traces held, the oldest dropped first (default 1000)
          --save file.ndjson      append every document received, one JSON document a line
          --load file.ndjson      open saved documents (repeatable)

  listen  a stand-in X-Ray daemon that prints what your traced app sends, one line per document, and
          answers the sampling API with one rule that samples every request
          --address  where to listen (default: AWS_XRAY_DAEMON_ADDRESS, else 127.0.0.1:2000)
          --json     also print each document's JSON

  cache   writes the preload's V8 code cache for this Node (the package ships one for the Node that built it):
          about 35 ms less start-up. Run it where the app is installed, with the Node and the V8 flags it runs
          with (node --max-old-space-size=4096 node_modules/.bin/otel-xray cache; NODE_OPTIONS is passed on)`;

/** The `otel-xray` command. Returns the exit code, or undefined while a command keeps running. */
export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number | undefined> {
  const [command, ...rest] = argv;
  const defaultAddress = env.AWS_XRAY_DAEMON_ADDRESS?.trim() || '127.0.0.1:2000';
  if (command === 'local') return runLocal(rest, defaultAddress);
  if (command === 'cache' && rest.length === 0) return runCache(env);
  if (command !== 'listen' || rest.includes('--help')) {
    process.stderr.write(`${USAGE}\n`);
    return command === undefined || command === '--help' || command === '-h' || rest.includes('--help') ? 0 : 2;
  }
  let address = defaultAddress;
  let json = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--json') json = true;
    else if (arg === '--address' && rest[i + 1] !== undefined) address = rest[++i] as string;
    else {
      process.stderr.write(`unknown argument ${JSON.stringify(arg)}\n${USAGE}\n`);
      return 2;
    }
  }
  try {
    await listen({ address, json, write: (line) => process.stdout.write(`${line}\n`) });
    return undefined;
  } catch (err) {
    process.stderr.write(`otel-xray listen: ${(err as Error).message}\n`);
    return 1;
  }
}

async function runLocal(args: readonly string[], defaultAddress: string): Promise<number | undefined> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const parsed = parseLocalArgs(args, defaultAddress);
  if (typeof parsed === 'string') {
    process.stderr.write(`otel-xray local: ${parsed}\n${USAGE}\n`);
    return 2;
  }
  try {
    // Loaded here: `otel-xray listen` and the library never pay for the viewer.
    const { startLocal } = require('../local/server') as typeof import('../local/server');
    await startLocal({ ...parsed, write: (line) => process.stdout.write(`${line}\n`) });
    return undefined;
  } catch (err) {
    process.stderr.write(`otel-xray local: ${(err as Error).message}\n`);
    return 1;
  }
}

function runCache(env: NodeJS.ProcessEnv): number {
  const result = writeCodeCaches(env);
  if ('error' in result) {
    process.stderr.write(`otel-xray cache: no code cache was written (${result.error}); the preload works without one, about 35 ms slower to start\n`);
    return 1;
  }
  process.stdout.write(`otel-xray cache: the preload's code cache for Node ${process.version}: ${result.written.join(', ')}\n`);
  return 0;
}
