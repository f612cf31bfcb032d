import * as assert from 'node:assert/strict';

/**
 * What a traced app may print on stderr: otel-xray's lines only once each (one warning per kind), no crash, no
 * unhandled rejection, no stack trace. `allowed` lists patterns of other lines the app itself prints.
 */
export function assertQuietStderr(stderr: string, allowed: readonly RegExp[] = []): void {
  const lines = stderr.split('\n').filter((line) => line.trim() !== '');
  const seen = new Set<string>();
  for (const line of lines) {
    assert.doesNotMatch(line, /Unhandled|uncaught|^\s+at /i, `a crash or stack trace on stderr:\n${stderr.slice(0, 2000)}`);
    if (allowed.some((pattern) => pattern.test(line))) continue;
    assert.match(line, /^otel-xray (warning|error|info|debug): /, `a stderr line that is not otel-xray's one-line format: ${line.slice(0, 300)}`);
    assert.ok(!seen.has(line), `printed twice: ${line.slice(0, 300)}`);
    seen.add(line);
  }
}
