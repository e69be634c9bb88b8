/**
 * `.env` and `env_file` parsing, with Docker Compose's rules.
 *
 * The syntax is the one Compose documents ("Syntax for environment files")
 * and its loader implements (compose-go `dotenv`):
 *
 * - `KEY=VAL`, `export KEY=VAL`, and the YAML-like `KEY: VAL`; spaces around
 *   the key and after the separator are ignored; `KEY=` is the empty string.
 * - Keys: letters, digits, `_`, `.`, `-`, `[`, `]` (no spaces).
 * - A bare `KEY` (no `=`) takes KEY's value from `lookup`; when lookup does
 *   not know it, KEY is left out.
 * - Blank lines and lines starting with `#` are ignored.
 * - Unquoted values end at the line end, lose trailing whitespace and an
 *   inline comment that starts with " #" (`a#b` keeps its `#`).
 * - `'single'` values are literal: no escapes except `\'`, no interpolation;
 *   they may span lines.
 * - `"double"` values may span lines, understand `\n \r \t \a \b \f \v \\ \"
 *   \$` and octal `\0NNN` (other backslashes stay as written), and are
 *   interpolated.
 * - Unquoted and double-quoted values are interpolated like compose files
 *   (`${VAR:-default}` and friends), looking a name up in `lookup` first and
 *   then among the keys defined earlier in the same file. The order is
 *   compose-go's: with `A=1` in the file and A=5 in the environment, `B=$A`
 *   gives 5, matching the value A will have once the environment overrides
 *   the file.
 * - A UTF-8 byte order mark at the start is ignored.
 *
 * Stricter than compose-go where it silently misreads: text after a closing
 * quote (other than a `#` comment) and a line with no key before `=` are
 * errors here, and a bare `KEY` on the last line without a newline is an
 * inherited key (compose-go reads it as a value of an empty key).
 *
 * @module
 */

import { readFile } from 'node:fs/promises';

import { ComposeFileError, type LoadWarning } from './errors.js';
import { interpolateString } from './interpolate.js';

/** Options of {@link parseDotenv}. */
export interface ParseDotenvOptions {
  /** The file's path, for error messages. */
  file: string;
  /** Resolves `${VAR}` and bare `KEY` lines; undefined = unset. */
  lookup?(name: string): string | undefined;
  /** Receives "variable is not set" warnings from interpolation. */
  onWarning?(w: LoadWarning): void;
}

// Whitespace that is not a line break (compose-go's `isSpace`).
const INLINE_SPACE = new Set(['\t', '\v', '\f', '\r', ' ', '\u0085', '\u00a0']);
const EXPORT_PREFIX = /export[\t\v\f\r \u0085\u00a0]+/y;
const KEY_CHAR = /^[\p{L}\p{N}_.\-[\]]$/u;
const OCTAL3 = /^[0-7]{3}$/;

/**
 * Parses a .env file as Docker Compose does. `lookup` resolves `${VAR}`
 * references inside unquoted and double-quoted values (see the module
 * comment for the order) and bare `KEY` lines.
 *
 * @throws ComposeFileError (code `ENV_FILE_SYNTAX`) naming file:line on a malformed line,
 *   or an interpolation error (`INTERPOLATION_REQUIRED`, `INTERPOLATION_SYNTAX`) naming file:line and the key.
 */
export function parseDotenv(text: string, options: ParseDotenvOptions): Record<string, string> {
  const src = text.startsWith('\ufeff') ? text.slice(1) : text;
  const { file } = options;
  // Keys may be "__proto__" or "constructor": keep them in a Map until the end.
  const out = new Map<string, string>();
  const lineOf = lineIndex(src);
  const fail = (at: number, detail: string): ComposeFileError =>
    new ComposeFileError('ENV_FILE_SYNTAX', detail, { file, line: lineOf(at) });
  const lookup = (name: string): string | undefined => options.lookup?.(name) ?? out.get(name);

  let i = 0;
  for (;;) {
    i = skipBlankAndComments(src, i);
    if (i >= src.length) break;
    const start = i;

    EXPORT_PREFIX.lastIndex = i;
    if (EXPORT_PREFIX.test(src)) i = EXPORT_PREFIX.lastIndex;

    // The key runs to `=`, `:` or the line end; spaces inside are tolerated
    // here and rejected below, so the message can say what is wrong.
    const keyStart = i;
    while (i < src.length && src[i] !== '=' && src[i] !== ':' && src[i] !== '\n') {
      const c = src[i] as string;
      if (!INLINE_SPACE.has(c) && !KEY_CHAR.test(c)) {
        throw fail(
          i,
          `unexpected character ${JSON.stringify(c)} in variable name ${JSON.stringify(lineText(src, start))}; ` +
            'write KEY=VALUE, with a key made of letters, digits, "_", ".", "-", "[" and "]"',
        );
      }
      i++;
    }
    const key = trimEndSpace(src.slice(keyStart, i));
    if (/\s/u.test(key)) {
      throw fail(start, `key ${JSON.stringify(key)} contains a space; remove the space or write KEY=VALUE`);
    }

    if (i >= src.length || src[i] === '\n') {
      // A bare KEY: inherit it from the environment, if set there.
      if (key === '') throw fail(start, 'missing variable name; write KEY=VALUE');
      const inherited = options.lookup?.(key);
      if (inherited !== undefined) out.set(key, inherited);
      continue;
    }
    if (key === '') {
      throw fail(start, `missing variable name before ${JSON.stringify(src[i])}; write KEY=VALUE`);
    }
    i++; // the separator
    while (i < src.length && INLINE_SPACE.has(src[i] as string)) i++;

    const valueLine = lineOf(i);
    const interpolate = (raw: string): string =>
      interpolateString(raw, {
        lookup,
        position: { file, line: valueLine },
        keyPath: key,
        ...(options.onWarning ? { onWarning: options.onWarning } : {}),
      });

    const quote = src[i];
    if (quote === '"' || quote === "'") {
      const closed = readQuoted(src, i, quote);
      if (!closed) {
        throw fail(
          i,
          `unterminated quoted value for ${key}: ${JSON.stringify(lineText(src, i))}; ` +
            `close it with ${quote} (write \\${quote} for a ${quote} inside the value)`,
        );
      }
      out.set(key, quote === '"' ? interpolate(expandEscapes(closed.value)) : closed.value);
      i = closed.end;
      // Only whitespace or a comment may follow the closing quote on its line.
      while (i < src.length && INLINE_SPACE.has(src[i] as string)) i++;
      if (i < src.length && src[i] !== '\n' && src[i] !== '#') {
        throw fail(
          i,
          `unexpected text ${JSON.stringify(lineText(src, i))} after the closing quote of ${key}; ` +
            'put the whole value inside the quotes, or start a comment with "#"',
        );
      }
      continue;
    }

    const eol = src.indexOf('\n', i);
    const end = eol < 0 ? src.length : eol;
    let raw = src.slice(i, end);
    const comment = raw.indexOf(' #');
    if (comment >= 0) raw = raw.slice(0, comment);
    out.set(key, interpolate(raw.trimEnd()));
    i = end;
  }
  return Object.fromEntries(out);
}

/**
 * Reads and parses an env file. `required` defaults to true; with
 * `required: false` a missing file yields `{}`.
 *
 * @throws ComposeFileError `ENV_FILE_NOT_FOUND` when a required file is missing,
 *   `ENV_FILE_UNREADABLE` when the path cannot be read (a folder, no permission),
 *   and the errors of {@link parseDotenv}.
 */
export async function readDotenvFile(
  path: string,
  options?: {
    required?: boolean;
    lookup?(name: string): string | undefined;
    onWarning?(w: LoadWarning): void;
  },
): Promise<Record<string, string>> {
  const required = options?.required ?? true;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      if (!required) return {};
      throw new ComposeFileError(
        'ENV_FILE_NOT_FOUND',
        `env file not found; create it, correct the path, or mark it optional with \`required: false\``,
        { file: path },
        undefined,
        { cause: err },
      );
    }
    const why = code === 'EISDIR' ? 'is a directory, not a file' : `cannot be read (${code ?? String(err)})`;
    throw new ComposeFileError(
      'ENV_FILE_UNREADABLE',
      `env file ${why}; point env_file at a readable file`,
      { file: path },
      undefined,
      { cause: err },
    );
  }
  const parseOptions: ParseDotenvOptions = { file: path };
  if (options?.lookup) parseOptions.lookup = options.lookup;
  if (options?.onWarning) parseOptions.onWarning = options.onWarning;
  return parseDotenv(text, parseOptions);
}

/** Skips whitespace (line breaks included) and `#` comment lines; returns the next statement's start. */
function skipBlankAndComments(src: string, from: number): number {
  let i = from;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/u.test(c) || c === '\u0085') {
      i++;
    } else if (c === '#') {
      const eol = src.indexOf('\n', i);
      if (eol < 0) return src.length;
      i = eol + 1;
    } else {
      break;
    }
  }
  return i;
}

/**
 * Reads a quoted value starting at the opening quote. A backslash before
 * the quote character drops out (`\"` is `"`); before anything else it is
 * kept for {@link expandEscapes}. Returns the raw value and the index after
 * the closing quote, or undefined when the quote never closes.
 */
function readQuoted(src: string, open: number, quote: string): { value: string; end: number } | undefined {
  let value = '';
  let escaped = false;
  for (let i = open + 1; i < src.length; i++) {
    const c = src[i] as string;
    if (escaped) {
      if (c !== quote) value += '\\';
      value += c;
      escaped = false;
    } else if (c === '\\') {
      escaped = true;
    } else if (c === quote) {
      return { value, end: i + 1 };
    } else {
      value += c;
    }
  }
  return undefined;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
  // `\$` must survive interpolation as a literal dollar, which is spelled `$$`.
  $: '$$',
};

/** Expands the escape sequences of a double-quoted value (the echo/XSI set Compose supports). */
function expandEscapes(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c !== '\\' || i + 1 >= s.length) {
      out += c;
      continue;
    }
    const next = s[i + 1] as string;
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined) {
      out += simple;
      i++;
    } else if (next === '0') {
      // `\0NNN`: the character with octal code NNN (at most 3 digits are read).
      const digits = /^[0-9]{0,3}/.exec(s.slice(i + 2, i + 5))?.[0] ?? '';
      const code = OCTAL3.test(digits) ? parseInt(digits, 8) : NaN;
      out += code <= 0xff ? String.fromCharCode(code) : `\\0${digits}`;
      i += 1 + digits.length;
    } else {
      out += c; // unknown escape: keep the backslash, the next char follows normally
    }
  }
  return out;
}

/** Returns a function from string index to 1-based line number. */
function lineIndex(src: string): (index: number) => number {
  const starts: number[] = [0];
  for (let i = src.indexOf('\n'); i >= 0; i = src.indexOf('\n', i + 1)) starts.push(i + 1);
  return (index) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

/** The rest of the line from `from`, for messages. */
function lineText(src: string, from: number): string {
  const eol = src.indexOf('\n', from);
  const line = src.slice(from, eol < 0 ? src.length : eol).replace(/\r$/, '');
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}

function trimEndSpace(s: string): string {
  let end = s.length;
  while (end > 0 && /\s/u.test(s[end - 1] as string)) end--;
  return s.slice(0, end);
}
