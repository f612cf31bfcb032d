import { listen } from './listen';

const USAGE = `usage: otel-xray listen [--address host:port] [--json]

  listen   a stand-in X-Ray daemon that prints what your traced app sends, one line per document, and
           answers the sampling API with one rule that samples every request
           --address  where to listen (default: AWS_XRAY_DAEMON_ADDRESS, else 127.0.0.1:2000)
           --json     also print each document's JSON`;

/** The `otel-xray` command. Returns the exit code, or undefined while a command keeps running. */
export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number | undefined> {
  const [command, ...rest] = argv;
  if (command !== 'listen') {
    process.stderr.write(`${USAGE}\n`);
    return command === undefined || command === '--help' || command === '-h' ? 0 : 2;
  }
  let address = env.AWS_XRAY_DAEMON_ADDRESS?.trim() || '127.0.0.1:2000';
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
