/**
 * The linear-time regex wrapper (engine/security/linear-regex.ts): RE2 semantics with RegExp's
 * interface (flags, UTF-16 indexes, lastIndex), a bounded cache of compiled patterns, and a clear
 * error for what RE2 cannot run; then ajv built by createAjv, whose patterns and regex-based
 * formats run on it.
 */
import { fullFormats } from 'ajv-formats/dist/formats.js';
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { createAjv } from '../../engine/journey/schema-validator.js';
import { compileConfigTemplate, compileExpression, evaluateConfigTemplate, ExpressionError } from '../../engine/runtime/expressions.js';
import { linearFormats, REGEX_FORMAT_MAX_LENGTH } from '../../engine/security/linear-formats.js';
import {
  compileLinear,
  LINEAR_REGEX_CACHE_LIMIT,
  LinearRegExp,
  linearRegexCacheSize,
  UnsupportedPatternError,
  unsupportedPattern,
} from '../../engine/security/linear-regex.js';

const EVIL = '^(a+)+$';
const HOSTILE = 'a'.repeat(30) + '!';

/** Milliseconds `run` takes. */
function timed(run: () => unknown): number {
  const started = performance.now();
  run();
  return performance.now() - started;
}

describe('LinearRegExp', () => {
  it('matches an exponential-for-backtracking pattern in linear time', () => {
    const re = new LinearRegExp(EVIL, 'u');
    expect(timed(() => expect(re.test(HOSTILE)).toBe(false))).toBeLessThan(200);
    // Ten thousand times longer still answers at once (RegExp would need longer than the universe has).
    expect(timed(() => expect(re.test('a'.repeat(300_000) + '!')).toBe(false))).toBeLessThan(1000);
    expect(re.test('aaaa')).toBe(true);
  });

  it('honours i, m and s, and implies u', () => {
    expect(new LinearRegExp('^abc$', 'i').test('ABC')).toBe(true);
    expect(new LinearRegExp('^abc$').test('ABC')).toBe(false);
    expect(new LinearRegExp('^b$', 'm').test('a\nb\nc')).toBe(true);
    expect(new LinearRegExp('^b$').test('a\nb\nc')).toBe(false);
    expect(new LinearRegExp('^a.c$', 's').test('a\nc')).toBe(true);
    expect(new LinearRegExp('^a.c$').test('a\nc')).toBe(false);
    expect(new LinearRegExp('x', 'gi').flags).toBe('giu');
    expect(new LinearRegExp('x').unicode).toBe(true);
  });

  it('reports UTF-16 indexes, as RegExp does, around astral characters', () => {
    const text = 'éé😀1x2';
    const re = new LinearRegExp('\\d', 'g');
    const native = /\d/g;
    for (let i = 0; i < 3; i++) {
      const mine = re.exec(text);
      const theirs = native.exec(text);
      expect(mine === null ? null : { match: mine[0], index: mine.index, last: re.lastIndex }).toEqual(
        theirs === null ? null : { match: theirs[0], index: theirs.index, last: native.lastIndex },
      );
    }
    expect(new LinearRegExp('^.$', 'u').test('😀')).toBe(true);
    expect(new LinearRegExp('^\\p{L}+$', 'u').test('Ünïcödé')).toBe(true);
    expect(new LinearRegExp('^\\u00e9\\u{1F600}$', 'u').test('é😀')).toBe(true);
  });

  it('keeps RegExp exec semantics: groups, unmatched groups, named groups, lastIndex, anchors', () => {
    const re = new LinearRegExp('(?<year>\\d{4})-(\\d\\d)(x)?', 'g');
    const first = re.exec('on 2024-05 and 2025-06')!;
    expect([...first]).toEqual(['2024-05', '2024', '05', undefined]);
    expect(first.index).toBe(3);
    expect(first.groups).toEqual({ year: '2024' });
    expect(re.lastIndex).toBe(10);
    expect(re.exec('on 2024-05 and 2025-06')![0]).toBe('2025-06');
    expect(re.exec('on 2024-05 and 2025-06')).toBeNull();
    expect(re.lastIndex).toBe(0);
    // ^ and \b see the text before lastIndex, as in RegExp.
    const anchored = new LinearRegExp('^a', 'g');
    anchored.lastIndex = 1;
    expect(anchored.exec('ba')).toBeNull();
    const boundary = new LinearRegExp('\\bb', 'g');
    boundary.lastIndex = 1;
    expect(boundary.exec('ab')).toBeNull();
    // Sticky matches only at lastIndex.
    const sticky = new LinearRegExp('b', 'y');
    sticky.lastIndex = 1;
    expect(sticky.exec('abb')?.index).toBe(1);
    expect(sticky.lastIndex).toBe(2);
    sticky.lastIndex = 0;
    expect(sticky.exec('abb')).toBeNull();
  });

  it('takes a RegExp (as JSONata hands it one) with its flags', () => {
    const re = new LinearRegExp(/^A/gim);
    expect(re.source).toBe('^A');
    expect([re.global, re.ignoreCase, re.multiline]).toEqual([true, true, true]);
    expect(re.exec('x\na')?.index).toBe(2);
  });

  it('iterating a large string with many matches stays linear', () => {
    const text = 'a,'.repeat(128_000);
    const re = new LinearRegExp(',', 'g');
    let count = 0;
    const ms = timed(() => {
      while (re.exec(text)) count++;
    });
    expect(count).toBe(128_000);
    expect(ms).toBeLessThan(3000);
  });
});

describe('patterns RE2 cannot run', () => {
  it.each([
    ['(a)\\1', /backreference \\1/],
    ['(?<n>a)\\k<n>', /named backreference/],
    ['a(?=b)', /lookahead \(\?=/],
    ['a(?!b)', /lookahead \(\?!/],
    ['(?<=a)b', /lookbehind \(\?<=/],
    ['(?<!a)b', /lookbehind \(\?<!/],
  ])('%s is refused with an UnsupportedPatternError naming the feature', (pattern, reason) => {
    expect(() => compileLinear(pattern, 'u')).toThrow(UnsupportedPatternError);
    const error = unsupportedPattern(pattern, 'u')!;
    expect(error.code).toBe('unsupported_pattern');
    expect(error.pattern).toBe(pattern);
    expect(error.reason).toMatch(reason);
    expect(error.message).toContain('RE2');
    expect(() => new LinearRegExp(pattern, 'u')).toThrow(UnsupportedPatternError);
  });

  it('RE2 limits (a repeat count above 1000) are unsupported too, with RE2 saying why', () => {
    expect(unsupportedPattern('a{1001}', 'u')?.reason).toMatch(/repeat count/);
  });

  it('escaped or bracketed look-alikes are ordinary patterns', () => {
    for (const pattern of ['\\(?=a\\)', '[(?=]', '\\\\1', '[\\d-]x', '(?<name>a)', '(?:a)']) {
      expect(unsupportedPattern(pattern), pattern).toBeNull();
    }
  });

  it('what is no regular expression at all stays a SyntaxError, as with RegExp', () => {
    expect(() => compileLinear('(a', 'u')).toThrow(SyntaxError);
    expect(unsupportedPattern('(a', 'u')).toBeNull();
    // Flags other than i, m, s, u, g and y are refused (RegExp's d and v have no RE2 counterpart).
    expect(() => compileLinear('a', 'q')).toThrow(UnsupportedPatternError);
    expect(unsupportedPattern('a', 'd')?.reason).toMatch(/flag "d"/);
  });
});

describe('the compiled-pattern cache', () => {
  it('compiles a pattern once per flags and hands the same compiled pattern back', () => {
    const pattern = `^cache-${Date.now()}$`;
    const first = compileLinear(pattern, 'u');
    expect(compileLinear(pattern, 'u')).toBe(first);
    expect(compileLinear(pattern, 'i')).not.toBe(first);
    // An unsupported pattern is remembered as such: the same error, not a second compile.
    const bad = `(x${Date.now()})\\1`;
    const error = unsupportedPattern(bad, 'u');
    expect(unsupportedPattern(bad, 'u')).toBe(error);
  });

  it('is bounded, dropping the least recently used pattern first', () => {
    const kept = `^kept-${Date.now()}$`;
    const keptCompiled = compileLinear(kept);
    for (let i = 0; i < LINEAR_REGEX_CACHE_LIMIT + 50; i++) {
      compileLinear(`^filler-${i}$`);
      if (i % 100 === 0) compileLinear(kept); // used now and then: stays
    }
    expect(linearRegexCacheSize()).toBeLessThanOrEqual(LINEAR_REGEX_CACHE_LIMIT);
    expect(compileLinear(kept)).toBe(keptCompiled);
    const firstFiller = compileLinear('^filler-0$');
    expect(compileLinear('^filler-0$')).toBe(firstFiller); // compiled anew, then cached again
  });

  it('a pattern compiled with cache: false is not kept', () => {
    const pattern = `^uncached-${Date.now()}$`;
    const once = compileLinear(pattern, '', { cache: false });
    expect(compileLinear(pattern, '', { cache: false })).not.toBe(once);
  });
});

describe('createAjv: patterns and formats on RE2', () => {
  const ajv = createAjv();

  it('pattern, patternProperties and propertyNames answer a hostile value at once', () => {
    const validate = ajv.compile({
      type: 'object',
      properties: { name: { type: 'string', pattern: EVIL } },
      patternProperties: { [EVIL]: { type: 'string' } },
      propertyNames: { pattern: '^(a+)+$|^name$' },
    });
    expect(timed(() => expect(validate({ name: HOSTILE })).toBe(false))).toBeLessThan(200);
    expect(validate.errors?.[0]).toMatchObject({ keyword: 'pattern', instancePath: '/name' });
    expect(timed(() => expect(validate({ [HOSTILE]: 1 })).toBe(false))).toBeLessThan(200);
    expect(validate({ name: 'aaa', aaaa: 'x' })).toBe(true);
  });

  it('a schema with a pattern RE2 cannot run does not compile (UnsupportedPatternError)', () => {
    expect(() => ajv.compile({ type: 'string', pattern: '(a)\\1' })).toThrow(UnsupportedPatternError);
    expect(() => ajv.compile({ type: 'object', patternProperties: { '^(?=x)': {} } })).toThrow(UnsupportedPatternError);
  });

  it('the regex-based formats accept and refuse what ajv-formats does (differential)', () => {
    const mine = linearFormats();
    const samples = [
      ...['', 'a', 'P', 'PT', 'P1D', 'P1DT', 'P1DT2H', 'PT1M', 'P1W', 'P1Y2M3DT4H5M6S', 'P1WT', 'P1', 'p1d'],
      ...['example.com', 'EXAMPLE.com.', 'a-.com', '-a.com', 'a'.repeat(63) + '.com', 'a'.repeat(64) + '.com', `${'a'.repeat(62)}.`.repeat(4) + 'a'],
      ...['a@b.co', 'A@B.CO', 'ſ@example.com', 'K@example.com', 'x@ſ.com', 'a.b@c', 'a..b@c.d'],
      ...['urn:uuid:123e4567-e89b-12d3-a456-426614174000', 'URN:UUID:123E4567-E89B-12D3-A456-426614174000', '123e4567-e89b-12d3-a456-42661417400'],
      ...['1.2.3.4', '256.1.1.1', '01.2.3.4', '::1', 'FE80::1', '1::2:3::4', '::ffff:1.2.3.4'],
      ...['/a/b~0', '/a~2', '#/a%20b', '#/ſ', '0#', '1/a', '01/a'],
      ...['QUJD', 'QUJDRA==', 'QUJDRA=', '!!\n', '!!\r', 'AAAA\r!!', '!!', 'a\u2028b'],
      ...['a{b}', '{+var}', '{var:30}', '{x,y*}', '{ſ}', 'http://ex%20ample/', 'mailto:a@b', 'urn:isbn:0451450523'],
      ...['http://[::1]:80/', 'http://[v1.x]/', '//host/path', 'rel/path', '?q', '#frag', 'a"b', 'http://a"b', 'HTTP://A.B/'],
      ...['http://example.com', 'https://ex-ample.co.uk:8080/p?q#f', 'ftp://1.2.3.4', 'http://u@example.com/p@10.0.0.1', 'http://ſ.com'],
      ...['(a', 'a\\Z', '(a)\\1', 'a(?=b)', '[a-z]+', '\\d{3}', '^(a+)+$'],
    ];
    // url's private ranges: every first octet against the second octets that decide.
    for (let a = 0; a < 256; a++) for (const b of [0, 15, 16, 31, 32, 168, 169, 254, 255]) samples.push(`http://${a}.${b}.3.4`);
    // And a deterministic spray of short strings from the characters these formats care about.
    const alphabet = ['a', 'Z', '0', '9', '.', '-', ':', '/', '@', '%', '2', 'F', '~', '1', '#', '?', '[', ']', 'P', 'T', 'D', 'W', ' ', '\n', 'ſ', 'K', 'é', '=', '+', '{', '}', '*', ',', '"', 'v', '\\', '('];
    let seed = 7;
    const next = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
    for (let i = 0; i < 5000; i++) samples.push(Array.from({ length: next(12) }, () => alphabet[next(alphabet.length)]).join(''));

    const native = (name: string): ((s: string) => boolean) => {
      const f = (fullFormats as Record<string, unknown>)[name];
      if (f instanceof RegExp) return (s) => f.test(s);
      if (typeof f === 'function') return f as (s: string) => boolean;
      return (f as { validate: (s: string) => boolean }).validate;
    };
    const differences: string[] = [];
    for (const [name, format] of Object.entries(mine)) {
      const theirs = native(name);
      for (const s of samples) {
        const expected = name === 'regex' && unsupportedPattern(s) !== null ? false : theirs(s);
        if (format.validate(s) !== expected) differences.push(`${name} ${JSON.stringify(s)}`);
      }
    }
    expect(differences).toEqual([]);
    expect(Object.keys(mine).sort()).toEqual(
      ['byte', 'duration', 'email', 'hostname', 'ipv4', 'ipv6', 'json-pointer', 'json-pointer-uri-fragment', 'regex', 'relative-json-pointer', 'uri', 'uri-reference', 'uri-template', 'url', 'uuid'].sort(),
    );
  });

  it('format "url" no longer backtracks on a long authority (ajv-formats took seconds)', () => {
    const validate = ajv.compile({ type: 'string', format: 'url' });
    const hostile = 'http://a:' + 'a:'.repeat(32_000) + '"';
    expect(timed(() => expect(validate(hostile)).toBe(false))).toBeLessThan(500);
    expect(validate('https://example.com/x')).toBe(true);
  });

  it('format "regex" accepts only patterns RE2 can run, and none longer than its limit', () => {
    const validate = ajv.compile({ type: 'string', format: 'regex' });
    expect(validate('^[0-9]{6}$')).toBe(true);
    expect(validate('(a)\\1')).toBe(false);
    expect(validate('a(?=b)')).toBe(false);
    expect(validate('(')).toBe(false);
    expect(validate('a'.repeat(REGEX_FORMAT_MAX_LENGTH))).toBe(true);
    expect(validate('a'.repeat(REGEX_FORMAT_MAX_LENGTH + 1))).toBe(false);
  });
});

describe('JSONata regex functions on RE2', () => {
  const scope = (x: string) => ({ variables: { x }, input: {}, user: null, tokens: [], now: new Date('2026-01-15T10:00:00Z') });

  /** RegExp in unicode mode: RE2 always matches code points, so `.` takes a whole emoji. */
  class UnicodeRegExp extends RegExp {
    constructor(pattern: RegExp | string, flags?: string) {
      super(pattern, `${flags ?? (pattern instanceof RegExp ? pattern.flags : '')}u`);
    }
  }

  it('give what JSONata on RegExp (in unicode mode) gives (differential, astral characters included)', async () => {
    const expressions = [
      '$match(x, /a(.)/)',
      '$match(x, /(?<d>\\d)(x)?/)',
      '$match(x, /^A/im)',
      '$replace(x, /\\d/, "#")',
      '$replace(x, /(a)(b)?/, "[$1$2]")',
      '$replace(x, /a/i, function($m) { $uppercase($m.match) & $string($m.index) })',
      '$split(x, /,\\s*/)',
      '$split(x, /,/, 2)',
      '$contains(x, /😀\\d/)',
      '$match(x, /\\b\\w+\\b/).index',
      '/é+/(x).match',
    ];
    const inputs = ['éé😀1a,ab, a😀c2', 'A\naB', '', 'x,y ,z', '😀😀😀'];
    for (const expression of expressions) {
      const native = jsonata(expression, { RegexEngine: UnicodeRegExp as RegExpConstructor });
      const linear = compileExpression(`{% ${expression} %}`);
      for (const x of inputs) {
        expect(await linear.evaluate(scope(x)), `${expression} on ${JSON.stringify(x)}`).toEqual(JSON.parse(JSON.stringify((await native.evaluate({ x })) ?? null)) ?? undefined);
      }
    }
  });

  it('$match with the evil pattern on a hostile string answers at once', async () => {
    const expression = compileExpression('{% $match(x, /^(a+)+$/) %}');
    const started = performance.now();
    expect(await expression.evaluate(scope('a'.repeat(28) + '!'))).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('a regex RE2 cannot run, in a journey published before the check, fails as expression_error naming it', async () => {
    const template = compileConfigTemplate({ v: '{% $match(x, /(a)\\1/) %}' });
    const error = await evaluateConfigTemplate(template, scope('aa')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExpressionError);
    expect((error as ExpressionError).message).toMatch(/^expression failed: pattern "\(a\)\\\\1" is not supported: backreference/);
    expect((error as ExpressionError).path).toBe('/v');
  });
});
