import { describe, expect, it } from 'vitest';
import { isIdentifier, isTierId } from './index.js';

describe('isIdentifier', () => {
  it('takes 1 to 128 code points', () => {
    expect(isIdentifier('a')).toBe(true);
    expect(isIdentifier('x'.repeat(128))).toBe(true);
    expect(isIdentifier('x'.repeat(129))).toBe(false);
    expect(isIdentifier('')).toBe(false);
  });

  it('counts a character outside the BMP as one, as the server does (not as two UTF-16 units)', () => {
    expect(isIdentifier('😀'.repeat(128))).toBe(true);
    expect(isIdentifier('😀'.repeat(129))).toBe(false);
    expect(isIdentifier('😀'.repeat(100))).toBe(true); // 200 UTF-16 units
  });

  it('refuses control characters (C0 and DEL) anywhere, but not other characters', () => {
    for (const control of ['\u0000', '\t', '\n', '\u001f', '\u007f'])
      expect(isIdentifier(`a${control}b`), JSON.stringify(control)).toBe(false);
    expect(isIdentifier('a\u0080b')).toBe(true);
    expect(isIdentifier('café / ñ · 東京')).toBe(true);
  });

  it('refuses what is not a string', () => {
    for (const value of [undefined, null, 1, {}, ['a'], Symbol('a')]) expect(isIdentifier(value)).toBe(false);
  });

  it('answers at once for a very long string', () => {
    expect(isIdentifier('a'.repeat(10_000_000))).toBe(false);
  });
});

describe('isTierId', () => {
  it('takes lower-case letters, digits and `_.-`, starting with a letter or digit, up to 64', () => {
    expect(isTierId('pro')).toBe(true);
    expect(isTierId('v2.1_beta-x')).toBe(true);
    expect(isTierId('a'.repeat(64))).toBe(true);
    expect(isTierId('a'.repeat(65))).toBe(false);
    expect(isTierId('Pro')).toBe(false);
    expect(isTierId('-pro')).toBe(false);
    expect(isTierId('')).toBe(false);
    expect(isTierId('pro\n')).toBe(false);
    expect(isTierId(42)).toBe(false);
  });
});
