import * as assert from 'node:assert/strict';
import { argsForCache, nodeOptionsForCache } from '../src/cli/cache';

/**
 * `otel-xray cache` runs its warm-up under the node options the app runs with (V8 takes a cache only under the
 * flags that made it), less the options that load code (a preload of ours would load the bundle before the warm-up
 * could cache it) or open a debugger.
 */
describe('otel-xray cache: the node options its warm-up runs with', () => {
  it('keeps V8 flags and drops --require, --import, loaders and --inspect, with their values', () => {
    assert.deepEqual(
      argsForCache(['--max-old-space-size=4096', '--require', 'otel-xray/register', '-r', './x.js', '--import=otel-xray/register', '--stack-size=2000', '--inspect=9229', '--loader', 'ts-node/esm', '--no-opt']),
      ['--max-old-space-size=4096', '--stack-size=2000', '--no-opt'],
    );
    assert.deepEqual(argsForCache([]), []);
  });

  it('reads NODE_OPTIONS the same way, and leaves out what it cannot split safely', () => {
    assert.equal(nodeOptionsForCache('--max-old-space-size=512  --require otel-xray/register'), '--max-old-space-size=512');
    assert.equal(nodeOptionsForCache('--require otel-xray/register'), undefined);
    assert.equal(nodeOptionsForCache(undefined), undefined);
    assert.equal(nodeOptionsForCache(''), undefined);
    assert.equal(nodeOptionsForCache('--title="my app" --max-old-space-size=512'), undefined);
  });
});
