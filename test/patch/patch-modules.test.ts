import * as assert from 'node:assert/strict';
import { patchModules } from '../../src/index';

/** Runs `fn` with process.stderr captured. */
function stderrOf(fn: () => void): string {
  const original = process.stderr.write.bind(process.stderr);
  let text = '';
  process.stderr.write = ((chunk: string | Uint8Array): boolean => {
    text += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    fn();
  } finally {
    process.stderr.write = original;
  }
  return text;
}

describe('patchModules: bad input gives one clear warning each, never a throw', () => {
  it('a module that cannot be found, and an ignore pattern that is not a regular expression', () => {
    const text = stderrOf(() => patchModules(['./no/such/module'], { ignore: ['(unclosed', /fine/] }));
    assert.match(text, /patchModules: "\(unclosed" is not a regular expression/);
    assert.match(text, /patchModules: "\.\/no\/such\/module" cannot be found/);
    assert.equal(text.trim().split('\n').length, 2);
  });

  it('many bad entries give one line per kind, naming where they came from', () => {
    const modules = Array.from({ length: 50 }, (_, i) => `./missing-${i}`);
    const text = stderrOf(() => patchModules(modules, { ignore: ['(', '[', '*'], source: 'AWS_XRAY_PATCH_MODULES', ignoreSource: 'AWS_XRAY_IGNORE_MODULE_PATTERNS' }));
    const lines = text.trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /^otel-xray warning: AWS_XRAY_IGNORE_MODULE_PATTERNS: "\(", "\[", "\*" are not regular expressions/);
    assert.match(lines[1]!, /^otel-xray warning: AWS_XRAY_PATCH_MODULES: "\.\/missing-0", .* and 45 more cannot be found/);
  });
});
