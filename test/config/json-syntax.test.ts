import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { findJsonSyntaxProblem } from '../../src/config/json-syntax.ts';

describe('findJsonSyntaxProblem', () => {
  test('points at the first wrong character, by line and column', () => {
    assert.deepEqual(findJsonSyntaxProblem('{\n  "a": 1,\n  "b": tru\n}'), {
      line: 3,
      column: 11,
      what: 'unexpected "\\n"',
    });
    assert.deepEqual(findJsonSyntaxProblem('{"a": 1,}'), { line: 1, column: 9, what: 'unexpected "}"' });
    assert.deepEqual(findJsonSyntaxProblem('{"a": [1, 2'), {
      line: 1,
      column: 12,
      what: 'unexpected end of file',
    });
    assert.deepEqual(findJsonSyntaxProblem("{'a': 1}"), { line: 1, column: 2, what: `unexpected "'"` });
    assert.deepEqual(findJsonSyntaxProblem('{"a": 01}'), { line: 1, column: 8, what: 'unexpected "1"' });
    assert.equal(findJsonSyntaxProblem(' {"a": [1, -2.5e3, "x\\u00e9\\n", true, false, null, {}]} \n'), null);
  });

  test('agrees with JSON.parse on valid JSON and on JSON with one character changed or removed', () => {
    const mutated = fc
      .tuple(fc.json(), fc.nat(), fc.constantFrom('', ',', '}', ']', '"', ':', 'x', '0', ' ', '-', '.', '\\'))
      .map(([text, at, ch]) => {
        const i = text.length === 0 ? 0 : at % text.length;
        return text.slice(0, i) + ch + text.slice(i + 1);
      });
    fc.assert(
      fc.property(fc.oneof(fc.json(), mutated), (text) => {
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        assert.equal(findJsonSyntaxProblem(text) === null, valid, text);
      }),
      { numRuns: 3000 },
    );
  });
});
