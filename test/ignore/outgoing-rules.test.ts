import * as assert from 'node:assert/strict';
import { compileFnmatch } from '../../src/ignore/fnmatch';
import { checkOutgoingRule, OutgoingIgnoreRules } from '../../src/ignore/outgoing-rules';
import { ignoreOutgoing } from '../../src/index';

describe('outgoing ignore rules', () => {
  it('fnmatch: * ? [seq] [!seq], literal dots, whole string, case-insensitive', () => {
    const cases: Array<[string, string, boolean]> = [
      ['*.internal', 'db.internal', true],
      ['*.internal', 'DB.Internal', true],
      ['*.internal', 'internal', false],
      ['*.internal', 'db.internal.example.com', false],
      ['api?.example.com', 'api1.example.com', true],
      ['api?.example.com', 'api.example.com', false],
      ['api.example.com', 'apixexample.com', false],
      ['host-[0-9]', 'host-7', true],
      ['host-[!0-9]', 'host-7', false],
      ['host-[!0-9]', 'host-x', true],
      ['a[b', 'a[b', true],
      ['*', '', true],
      ['[!]', '[!]', true],
      ['[!]', 'x', false],
      ['host-[z-a]', 'host-m', false],
      ['[]x]', ']', true],
    ];
    for (const [pattern, text, expected] of cases) assert.equal(compileFnmatch(pattern)(text), expected, `${pattern} ~ ${text}`);
  });

  it('fnmatch gives the right answer on many-star patterns and long host names (a linear matcher, no regex)', () => {
    const host = `${'a-'.repeat(120)}b.example.com`;
    assert.equal(compileFnmatch('*-*-*-*-*.example.org')(host), false);
    assert.equal(compileFnmatch('*-*-*-*-*.example.com')(host), true);
    assert.equal(compileFnmatch('*.*.*.*.internal')(host), false);
  });

  it('a call is ignored when every criterion of a rule matches', () => {
    const rules = new OutgoingIgnoreRules();
    rules.configure([{ hostname: '*.internal', urls: ['/health'] }]);
    rules.add({ subclass: 'fetch', hostname: 'api.example.com' });
    const call = (client: 'http' | 'https' | 'fetch', hostname: string, path: string) => rules.matches({ client, hostname, path });
    assert.equal(call('http', 'db.internal:8080', '/health'), true);
    assert.equal(call('http', 'db.internal', '/health?full=1'), true, 'urls match the path without its query');
    assert.equal(call('http', 'db.internal', '/data'), false, 'the url criterion fails');
    assert.equal(call('http', 'example.com', '/health'), false, 'the hostname criterion fails');
    assert.equal(call('fetch', 'api.example.com', '/anything'), true);
    assert.equal(call('https', 'api.example.com', '/anything'), false, 'subclass fetch only');
    rules.reset();
    assert.equal(call('fetch', 'api.example.com', '/anything'), false, 'reset forgets the rules added in code');
    assert.equal(call('http', 'db.internal', '/health'), true, 'and keeps the configured ones');
  });

  it('malformed rules are refused: by checkOutgoingRule for configuration, by a throw in code', () => {
    assert.match(checkOutgoingRule({})!, /needs hostname, urls or subclass/);
    assert.match(checkOutgoingRule({ urls: '/health' })!, /array of strings/);
    assert.match(checkOutgoingRule('x')!, /object/);
    assert.equal(checkOutgoingRule({ hostname: '*.internal' }), undefined);
    assert.throws(() => ignoreOutgoing({} as never), /ignoreOutgoing: a rule needs/);
  });
});
