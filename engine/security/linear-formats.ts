/**
 * ajv-formats' checks that are regular expressions, run on RE2 (linear time) instead of the
 * backtracking engine. Same languages as ajv-formats 3.0.1's "full" formats (a differential test
 * holds them to it), with what RE2 lacks done in code: lookaheads become length and shape checks,
 * `url`'s private-address lookaheads become a positive public-address pattern, and a
 * case-insensitive pattern without `u` is spelled out in both ASCII cases (RE2's case folding
 * would also let "ſ" and "K" match `s` and `k`, which RegExp without `u` does not).
 *
 * Kept native: date, time, date-time, iso-time and iso-date-time: their regular expressions are
 * fixed-shape (no nested or adjacent unbounded quantifiers), so they are linear already.
 * Measured before the change: ajv-formats' `url` took 1.8 s on 64 KB of "http://a:" + ":a"s.
 */
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { compileLinear, LinearRegExp } from './linear-regex.js';

export interface StringFormat {
  type: 'string';
  validate: (value: string) => boolean;
}

/** The formats to add over ajv-formats' own (`ajv.addFormat(name, format)` for each). */
export function linearFormats(): Record<string, StringFormat> {
  const formats: Record<string, StringFormat> = {};
  const fromRegExp = (name: keyof typeof fullFormats) => {
    const native = fullFormats[name] as RegExp;
    formats[name] = matcher(native.source, native.flags);
  };
  fromRegExp('uri-reference');
  fromRegExp('uri-template');
  fromRegExp('email');
  fromRegExp('ipv4');
  fromRegExp('ipv6');
  fromRegExp('uuid');
  fromRegExp('json-pointer');
  fromRegExp('json-pointer-uri-fragment');
  fromRegExp('relative-json-pointer');

  const uri = matcher(URI, 'i');
  formats.uri = { type: 'string', validate: (s) => (s.includes('/') || s.includes(':')) && uri.validate(s) };

  // ^P(?!$)(…T(?=\d)…)$: not "P" alone, and a T is followed by a digit (only digits may follow it).
  const duration = matcher(String.raw`^P(?:(?:\d+Y)?(?:\d+M)?(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+S)?)?|(?:\d+W)?)$`, '');
  formats.duration = { type: 'string', validate: (s) => s.length > 1 && !s.endsWith('T') && duration.validate(s) };

  // ^(?=.{1,253}\.?$): at most 253 characters, or 254 ending in a dot (the rest has no line breaks).
  const hostname = matcher(String.raw`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[-0-9a-z]{0,61}[0-9a-z])?)*\.?$`, 'i');
  formats.hostname = { type: 'string', validate: (s) => (s.length <= 253 || (s.length === 254 && s.endsWith('.'))) && hostname.validate(s) };

  formats.url = matcher(URL, 'iu');

  // /…$/gm: any line may match; every line break RegExp knows ends a line for RE2 too.
  const byte = new LinearRegExp(String.raw`^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$`, 'm');
  formats.byte = { type: 'string', validate: (s) => byte.test(s.replace(/[\r\u2028\u2029]/g, '\n')) };

  formats.regex = { type: 'string', validate: isLinearRegex };
  return formats;
}

/** A pattern longer than this is no valid `regex` value (compiling one costs about 2 µs a character). */
export const REGEX_FORMAT_MAX_LENGTH = 10_000;

/** `format: "regex"`: a JavaScript regular expression that RE2 can also run (as the engine would). */
function isLinearRegex(value: string): boolean {
  if (value.length > REGEX_FORMAT_MAX_LENGTH || /[^\\]\\Z/.test(value)) return false;
  try {
    // Not cached: these patterns are data, and must not push the journeys' patterns out.
    compileLinear(value, '', { cache: false });
    return true;
  } catch {
    return false;
  }
}

function matcher(source: string, flags: string): StringFormat {
  const caseless = flags.includes('i') && !flags.includes('u');
  const re = new LinearRegExp(caseless ? bothAsciiCases(source) : source, caseless ? flags.replace('i', '') : flags);
  return { type: 'string', validate: (s) => re.test(s) };
}

/**
 * Spells a case-insensitive pattern (RegExp without `u`) in both ASCII cases: letters in a class
 * gain their other case, letters outside become a two-letter class. Escapes are kept as written.
 * Written for the fixed patterns of this file (no group names, no `\p{…}`).
 */
export function bothAsciiCases(source: string): string {
  const isLetter = (c: string | undefined) => c !== undefined && /^[a-zA-Z]$/.test(c);
  const other = (c: string) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase());
  /** Length of the escape at `i` (`\xHH`, `\uHHHH`, else backslash and one character). */
  const escapeLength = (i: number) => (source[i + 1] === 'x' ? 4 : source[i + 1] === 'u' ? 6 : 2);
  let out = '';
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === '\\') {
      const length = escapeLength(i);
      out += source.slice(i, i + length);
      i += length - 1;
    } else if (ch === '[') {
      // The other cases go first in the class, so that they never meet a literal "-" at its end.
      let open = '[';
      if (source[i + 1] === '^') open += source[++i];
      let body = '';
      let extra = '';
      for (i++; i < source.length && source[i] !== ']'; i++) {
        if (source[i] === '\\') {
          const length = escapeLength(i);
          body += source.slice(i, i + length);
          i += length - 1;
        } else if (isLetter(source[i]) && source[i + 1] === '-' && isLetter(source[i + 2])) {
          body += source.slice(i, i + 3);
          extra += `${other(source[i])}-${other(source[i + 2])}`;
          i += 2;
        } else {
          if (isLetter(source[i])) extra += other(source[i]);
          body += source[i];
        }
      }
      out += open + extra + (extra && body.startsWith('-') ? '\\' + body : body) + ']';
    } else {
      out += isLetter(ch) ? `[${ch.toLowerCase()}${ch.toUpperCase()}]` : ch;
    }
  }
  return out;
}

/** ajv-formats 3.0.1's URI (the `uri` format, module-private there), verbatim. */
const URI = String.raw`^(?:[a-z][a-z0-9+\-.]*:)(?:\/?\/(?:(?:[a-z0-9\-._~!$&'()*+,;=:]|%[0-9a-f]{2})*@)?(?:\[(?:(?:(?:(?:[0-9a-f]{1,4}:){6}|::(?:[0-9a-f]{1,4}:){5}|(?:[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:){4}|(?:(?:[0-9a-f]{1,4}:){0,1}[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:){3}|(?:(?:[0-9a-f]{1,4}:){0,2}[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:){2}|(?:(?:[0-9a-f]{1,4}:){0,3}[0-9a-f]{1,4})?::[0-9a-f]{1,4}:|(?:(?:[0-9a-f]{1,4}:){0,4}[0-9a-f]{1,4})?::)(?:[0-9a-f]{1,4}:[0-9a-f]{1,4}|(?:(?:25[0-5]|2[0-4]\d|[01]?\d\d?)\.){3}(?:25[0-5]|2[0-4]\d|[01]?\d\d?))|(?:(?:[0-9a-f]{1,4}:){0,5}[0-9a-f]{1,4})?::[0-9a-f]{1,4}|(?:(?:[0-9a-f]{1,4}:){0,6}[0-9a-f]{1,4})?::)|[Vv][0-9a-f]+\.[a-z0-9\-._~!$&'()*+,;=:]+)\]|(?:(?:25[0-5]|2[0-4]\d|[01]?\d\d?)\.){3}(?:25[0-5]|2[0-4]\d|[01]?\d\d?)|(?:[a-z0-9\-._~!$&'()*+,;=]|%[0-9a-f]{2})*)(?::\d*)?(?:\/(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})*)*|\/(?:(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})+(?:\/(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})*)*)?|(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})+(?:\/(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})*)*)(?:\?(?:[a-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9a-f]{2})*)?(?:#(?:[a-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9a-f]{2})*)?$`;

/**
 * ajv-formats' `url` with its three lookaheads (no 10/8, 127/8, 169.254/16, 192.168/16 or
 * 172.16/12 address) folded into the address alternative: first octet, then second octet
 * where the first decides.
 */
const OCTET = String.raw`(?:1?\d{1,2}|2[0-4]\d|25[0-5])`;
const PUBLIC_IPV4 =
  String.raw`(?:(?:[1-9]|1[1-9]|[2-9]\d|1[013-58]\d|12[0-689]|16[0-8]|17[013-9]|19[013-9]|2[01]\d|22[0-3])\.` +
  OCTET +
  String.raw`|169\.(?:1?\d{1,2}|2[0-4]\d|25[0-35])` +
  String.raw`|172\.(?:\d|0\d|1[0-5]|3[2-9]|[4-9]\d|1\d\d|2[0-4]\d|25[0-5])` +
  String.raw`|192\.(?:\d{1,2}|1[0-57-9]\d|16[0-79]|2[0-4]\d|25[0-5]))` +
  String.raw`\.` +
  OCTET +
  String.raw`(?:\.(?:[1-9]\d?|1\d\d|2[0-4]\d|25[0-4]))`;
const URL =
  String.raw`^(?:https?|ftp):\/\/(?:\S+(?::\S*)?@)?(?:` +
  PUBLIC_IPV4 +
  String.raw`|(?:(?:[a-z0-9\u{00a1}-\u{ffff}]+-)*[a-z0-9\u{00a1}-\u{ffff}]+)(?:\.(?:[a-z0-9\u{00a1}-\u{ffff}]+-)*[a-z0-9\u{00a1}-\u{ffff}]+)*(?:\.(?:[a-z\u{00a1}-\u{ffff}]{2,})))(?::\d{2,5})?(?:\/[^\s]*)?$`;
