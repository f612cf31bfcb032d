import * as assert from 'node:assert/strict';
import { compileWildcard } from '../../src/naming/wildcard';

describe('compileWildcard: X-Ray\'s * and ?, whole string, case-insensitive', () => {
  const cases: Array<[string, string, boolean]> = [
    ['*', '', true], ['*', 'anything', true], ['', '', true], ['', 'x', false],
    ['/api/*', '/api/orders', true], ['/api/*', '/api', false], ['/API/*', '/api/x', true],
    ['a?c', 'abc', true], ['a?c', 'ac', false], ['*.example.com', 'shop.example.com', true],
    ['*.example.com', 'example.com', false], ['*.example.com', 'x.example.com.evil', false],
    ['a*b*c', 'aXXbYYc', true], ['a*b*c', 'aXXbYY', false], ['**', 'x', true], ['*?', '', false],
    ['/api/*', '/api/' + 'x'.repeat(100_000), true],
    ['*a*a*a*a*a*b', 'a'.repeat(5000), false],
  ];
  for (const [pattern, text, expected] of cases) {
    it(`${JSON.stringify(pattern)} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(text.slice(0, 30))}${text.length > 30 ? '…' : ''}`, () => {
      assert.equal(compileWildcard(pattern)(text), expected);
    });
  }
});
