/** The options of `otel-xray local`, from its command line. */
export interface LocalArgs {
  address: string;
  ui: string;
  samplingRules?: string;
  tail?: boolean;
  forward?: string;
  maxTraces?: number;
  save?: string;
  load?: string[];
}

/** Parses `otel-xray local`'s arguments; returns what is wrong as a string. */
export function parseLocalArgs(args: readonly string[], defaultAddress: string): LocalArgs | string {
  const out: LocalArgs = { address: defaultAddress, ui: '127.0.0.1:2001' };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--tail') {
      out.tail = true;
      continue;
    }
    const value = args[i + 1];
    if (!['--address', '--ui', '--sampling-rules', '--forward', '--max-traces', '--save', '--load'].includes(arg)) {
      return `unknown argument ${JSON.stringify(arg)}`;
    }
    if (value === undefined || value.startsWith('--')) return `${arg} needs a value`;
    i++;
    switch (arg) {
      case '--address': out.address = value; break;
      case '--ui': out.ui = value; break;
      case '--sampling-rules': out.samplingRules = value; break;
      case '--forward': out.forward = value; break;
      case '--save': out.save = value; break;
      case '--load': (out.load ??= []).push(value); break;
      case '--max-traces': {
        const count = Number(value);
        if (!Number.isInteger(count) || count < 1) return `--max-traces takes a whole number above 0, not ${JSON.stringify(value)}`;
        out.maxTraces = count;
        break;
      }
    }
  }
  return out;
}
