import type { DiagLogger } from '@opentelemetry/api';
import { ProblemCounter } from '../../src/index';

/** A ProblemCounter whose warnings are collected instead of logged. */
export function captureProblems(): { problems: ProblemCounter; warnings: string[] } {
  const warnings: string[] = [];
  const logger: DiagLogger = {
    error: (m) => warnings.push(m),
    warn: (m) => warnings.push(m),
    info: () => {},
    debug: () => {},
    verbose: () => {},
  };
  return { problems: new ProblemCounter(logger), warnings };
}
