/**
 * Linear-time regular expressions for every pattern that meets data from outside: JSON Schema
 * `pattern` / `patternProperties` / regex-based `format`s, and JSONata's regex functions. They run
 * on RE2 semantics (re2js, a pure JavaScript port of RE2: no backtracking, so matching time grows
 * with the input's length, never exponentially, whatever the pattern). Pure (no Node APIs): the
 * designer runs the same checks in the browser.
 *
 * Patterns are RE2 syntax in JavaScript spelling (`\uXXXX`, `\u{…}`, `(?<name>…)` are translated).
 * What RE2 cannot run in linear time, lookaround and backreferences, is refused with an
 * UnsupportedPatternError (publishing reports it as the `unsupported_pattern` diagnostic).
 */
import { RE2JS } from 're2js';

/** A pattern RE2 cannot run: lookaround, backreferences, or RE2 syntax it does not accept. */
export class UnsupportedPatternError extends Error {
  readonly code = 'unsupported_pattern';
  constructor(
    readonly pattern: string,
    readonly reason: string,
  ) {
    super(`pattern ${JSON.stringify(shorten(pattern))} is not supported: ${reason} (patterns are RE2 syntax, matched in linear time)`);
  }
}

/** Compiled patterns by flags and source; bounded (least recently used go first). */
const compiled = new Map<string, RE2JS | UnsupportedPatternError>();
export const LINEAR_REGEX_CACHE_LIMIT = 2000;

/** How many compiled patterns are cached (for tests and metrics). */
export function linearRegexCacheSize(): number {
  return compiled.size;
}

/**
 * Compiles `pattern` with RE2 (cached). `flags` are JavaScript's: `i`, `m`, `s` change matching,
 * `u` is implied (RE2 always matches code points), `g` and `y` only matter to LinearRegExp.
 * A pattern that is no JavaScript regular expression either throws a SyntaxError (as RegExp does);
 * one RE2 cannot run throws an UnsupportedPatternError.
 */
export function compileLinear(pattern: string, flags = '', options: { cache?: boolean } = {}): RE2JS {
  const key = `${flags}/${pattern}`;
  let entry = compiled.get(key);
  if (entry !== undefined) {
    // Refresh: the cache drops the least recently used pattern first.
    compiled.delete(key);
    compiled.set(key, entry);
  } else {
    entry = compileUncached(pattern, flags);
    if (options.cache !== false) {
      if (compiled.size >= LINEAR_REGEX_CACHE_LIMIT) compiled.delete(compiled.keys().next().value!);
      compiled.set(key, entry);
    }
  }
  if (entry instanceof UnsupportedPatternError) throw entry;
  return entry;
}

/**
 * Why RE2 cannot run a pattern (as the error compiling it throws), or null: null too for what is
 * no regular expression at all (RegExp's own SyntaxError), which callers report as invalid.
 */
export function unsupportedPattern(pattern: string, flags = ''): UnsupportedPatternError | null {
  try {
    compileLinear(pattern, flags);
    return null;
  } catch (error) {
    return error instanceof UnsupportedPatternError ? error : null;
  }
}

function compileUncached(pattern: string, flags: string): RE2JS | UnsupportedPatternError {
  let re2Flags = 0;
  for (const flag of flags) {
    if (flag === 'i') re2Flags |= RE2JS.CASE_INSENSITIVE;
    else if (flag === 'm') re2Flags |= RE2JS.MULTILINE;
    else if (flag === 's') re2Flags |= RE2JS.DOTALL;
    else if (flag !== 'u' && flag !== 'g' && flag !== 'y') return new UnsupportedPatternError(pattern, `flag "${flag}" is not supported`);
  }
  // First what RegExp itself would refuse (the pattern must be a JavaScript regular expression:
  // clients check the same schemas natively). Only compiled here, never run.
  new RegExp(pattern, flags.replace(/[gy]/g, ''));
  const feature = unsupportedFeature(pattern);
  if (feature) return new UnsupportedPatternError(pattern, feature);
  try {
    return RE2JS.compile(RE2JS.translateRegExp(pattern), re2Flags);
  } catch (error) {
    return new UnsupportedPatternError(pattern, (error as Error).message.replace(/^error parsing regexp: /, ''));
  }
}

/**
 * Lookaround and backreferences, found before translation (which would quietly turn `\k<a>`
 * into a literal); RE2 would refuse the others with a less helpful message.
 */
function unsupportedFeature(pattern: string): string | null {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\') {
      const next = pattern[i + 1];
      if (!inClass && next !== undefined && next >= '1' && next <= '9') return `backreference \\${next} (RE2 has no backreferences)`;
      if (!inClass && next === 'k' && pattern[i + 2] === '<') return 'named backreference \\k<…> (RE2 has no backreferences)';
      i++;
    } else if (inClass) {
      if (ch === ']') inClass = false;
    } else if (ch === '[') {
      inClass = true;
    } else if (ch === '(' && pattern[i + 1] === '?') {
      const rest = pattern.slice(i + 2, i + 4);
      if (rest.startsWith('=') || rest.startsWith('!')) return `lookahead (?${rest[0]} (RE2 has no lookaround)`;
      if (rest === '<=' || rest === '<!') return `lookbehind (?${rest} (RE2 has no lookaround)`;
    }
  }
  return null;
}

function shorten(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * A RegExp look-alike over RE2 for the code that takes a regex engine: ajv (`code.regExp`, which
 * calls `test`) and JSONata (`RegexEngine`, which sets `lastIndex` and calls `exec`). Indexes are
 * UTF-16 positions, as with RegExp. Each instance keeps its own `lastIndex`; the compiled pattern
 * is shared through the cache.
 */
export class LinearRegExp {
  readonly source: string;
  readonly flags: string;
  readonly global: boolean;
  readonly sticky: boolean;
  readonly ignoreCase: boolean;
  readonly multiline: boolean;
  readonly dotAll: boolean;
  readonly unicode = true;
  lastIndex = 0;
  private readonly re: RE2JS;
  private readonly groupNames: Array<[string, number]>;
  /** The matcher of the last input, reused while the same string is searched (global iteration). */
  private matcher: ReturnType<RE2JS['matcher']> | null = null;
  private matcherInput: string | null = null;

  constructor(pattern: string | RegExp | LinearRegExp, flags?: string) {
    const source = typeof pattern === 'string' ? pattern : pattern.source;
    const given = flags ?? (typeof pattern === 'string' ? '' : pattern.flags);
    this.source = source;
    this.flags = [...new Set(given.replace('u', '') + 'u')].sort().join('');
    this.global = given.includes('g');
    this.sticky = given.includes('y');
    this.ignoreCase = given.includes('i');
    this.multiline = given.includes('m');
    this.dotAll = given.includes('s');
    this.re = compileLinear(source, given);
    this.groupNames = Object.entries(this.re.namedGroups());
  }

  test(input: string): boolean {
    if (this.global || this.sticky) return this.exec(input) !== null;
    return this.re.test(String(input));
  }

  exec(input: string): RegExpExecArray | null {
    const text = String(input);
    const start = this.global || this.sticky ? this.lastIndex : 0;
    if (start > text.length) {
      this.lastIndex = 0;
      return null;
    }
    if (this.matcherInput !== text || this.matcher === null) {
      this.matcher = this.re.matcher(text);
      this.matcherInput = text;
    }
    const m = this.matcher;
    if (!m.find(start) || (this.sticky && m.start() !== start)) {
      if (this.global || this.sticky) this.lastIndex = 0;
      return null;
    }
    const result = [m.group(0) as string] as unknown as RegExpExecArray;
    for (let g = 1; g <= m.groupCount(); g++) result.push(m.group(g) ?? (undefined as unknown as string));
    result.index = m.start();
    result.input = text;
    if (this.groupNames.length) {
      const groups: Record<string, string> = Object.create(null);
      for (const [name, index] of this.groupNames) groups[name] = result[index];
      result.groups = groups;
    }
    if (this.global || this.sticky) this.lastIndex = m.end();
    return result;
  }

  toString(): string {
    return `/${this.source}/${this.flags}`;
  }
}

/**
 * ajv's `code.regExp`: called with (pattern, flags) for `pattern` and `patternProperties`.
 * `code` is what standalone validation code would call; the engine never generates standalone code.
 */
export const ajvLinearRegExp = Object.assign((pattern: string, flags: string) => new LinearRegExp(pattern, flags), {
  code: 'new LinearRegExp',
});
