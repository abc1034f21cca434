import { describe, expect, it } from 'vitest';
import { requiredLiteral } from '../../src/logs/literal.js';

describe('the literal a regular expression requires (the search prefilter)', () => {
  it.each([
    ['Job .* done in 1\\.[0-9]+s', 'done in 1.'],
    ['^  File "[^"]*sale', 'File "'],
    ['\\d+ ERROR acme', 'ERROR acme'],
    ['colou?r', 'colo'],
    ['ab+cdef', 'cdef'],
    ['[a-z]+foo\\.bar', 'foo.bar'],
    ['x{0,2}yzw', 'yzw'],
  ])('%s needs %s on the line', (pattern, literal) => {
    expect(requiredLiteral(pattern)).toBe(literal);
  });

  it.each(['(404|500) - ', 'a|bcdef', 'ab', '.*', '\\w+\\s\\d'])('%s has none: every line is tried', (pattern) => {
    expect(requiredLiteral(pattern)).toBeNull();
  });

  it('every line a literal-bearing expression matches holds the literal', () => {
    const lines = ['Job x done in 1.5s', 'colour', 'color', 'abbbcdef', 'zfoo.bar', 'yzw'];
    const patterns = ['Job .* done in 1\\.[0-9]+s', 'colou?r', 'ab+cdef', '[a-z]+foo\\.bar', 'x{0,2}yzw'];
    for (const p of patterns) {
      const literal = requiredLiteral(p)!;
      for (const line of lines) if (new RegExp(p).test(line)) expect(line, p).toContain(literal);
    }
  });
});
