import * as assert from 'node:assert/strict';
import { oneLine, quoteNames } from '../src/diag';

describe('warnings are one line of bounded length, whatever they quote', () => {
  it('shows line breaks as \\n instead of breaking the line', () => {
    assert.equal(oneLine('rules file "a\nb\r\nc" is not JSON'), 'rules file "a\\nb\\r\\nc" is not JSON');
  });

  it('cuts the middle of an over-long message and keeps its end (where the kind is named)', () => {
    const line = oneLine(`OTEL_PROPAGATORS=${'x'.repeat(100_000)} is not valid (further problems … : propagators)`);
    assert.ok(line.length <= 1000, `${line.length} characters`);
    assert.match(line, /^OTEL_PROPAGATORS=x+ … \(\d+ characters cut\) … x+ is not valid \(further problems … : propagators\)$/);
  });

  it('lists at most five names, each quoted and cut, then how many more', () => {
    assert.equal(quoteNames(['a', 'b']), '"a", "b"');
    const names = Array.from({ length: 12 }, (_, i) => `n${i}`);
    assert.equal(quoteNames(names), '"n0", "n1", "n2", "n3", "n4" and 7 more');
    assert.equal(quoteNames(['y'.repeat(100)]), JSON.stringify(`${'y'.repeat(60)}…`));
  });
});
