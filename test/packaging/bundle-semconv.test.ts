import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/child-app';

/**
 * The bundle carries a module of the semantic-convention constants its code reads instead of the whole package
 * (scripts/slim-semconv.js): every constant read must be there, with the installed package's value.
 */

interface SlimSemconv {
  SEMCONV: string;
  SEMCONV_FILE: string;
  SLIM_FILE: string;
  semconvNamesRead(text: string, file: string): Set<string> | string;
}

describe('the bundle: the semantic conventions it reads, and no others', () => {
  const slim = require(join(ROOT, 'scripts', 'slim-semconv.js')) as SlimSemconv;
  const bundle = readFileSync(join(ROOT, 'build', 'bundle', 'otel-xray.js'), 'latin1');
  const full = require(slim.SEMCONV) as Record<string, unknown>;

  it('has the cut-down module in place of the package', () => {
    assert.ok(bundle.includes(`"${slim.SLIM_FILE}"(`), 'the cut-down module is in the bundle');
    assert.ok(!bundle.includes(`"${slim.SEMCONV_FILE}"(`), 'the whole package is not');
  });

  it('holds every constant the bundle reads, with the installed value, and nothing else', () => {
    const read = slim.semconvNamesRead(bundle, slim.SLIM_FILE);
    assert.ok(typeof read !== 'string', `what the bundle reads cannot be known: ${String(read)}`);
    const start = bundle.indexOf(`"${slim.SLIM_FILE}"(`);
    const literal = /module\d*\.exports = (\{[\s\S]*?\n\s*\});/.exec(bundle.slice(start))?.[1];
    assert.ok(literal !== undefined, 'the constants are written as one object');
    const values = JSON.parse(literal) as Record<string, unknown>;
    const exported = [...read].filter((name) => full[name] !== undefined).sort();
    assert.deepEqual(Object.keys(values).sort(), exported);
    for (const name of exported) assert.deepEqual(values[name], full[name], name);
    assert.ok(exported.includes('ATTR_HTTP_REQUEST_METHOD') && exported.includes('ATTR_URL_PATH'), 'the http instrumentation\'s constants');
    assert.ok(Object.keys(full).length > 10 * exported.length, `${exported.length} of ${Object.keys(full).length} constants kept`);
  });
});
