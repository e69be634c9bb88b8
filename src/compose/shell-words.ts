/**
 * Splits a `command:` / `entrypoint:` string into arguments the way Compose
 * does (it uses go-shellwords, without environment or backtick expansion):
 *
 * - spaces, tabs and line breaks separate arguments;
 * - `'...'` is literal; `"..."` keeps spaces; `""` is an empty argument;
 * - outside single quotes a backslash takes the next character literally,
 *   except that `\t` and `\n` become a tab and a line break;
 * - `$VAR` is NOT expanded here (interpolation already ran on the file).
 *
 * One deliberate difference: go-shellwords silently stops at the first
 * unquoted `;`, `&`, `|`, `<` or `>`, so `echo a && echo b` runs `echo a`.
 * That is never what the author meant, so here it is an error that says to
 * quote the command (`sh -c "..."`) or use the list form.
 *
 * @module
 */

/** A command string that cannot be split. */
export class ShellWordsError extends Error {
  override name = 'ShellWordsError';
}

const SPACE = new Set([' ', '\t', '\r', '\n']);
const OPERATORS = new Set([';', '&', '|', '<', '>']);

/**
 * Splits `line` into arguments.
 *
 * @throws ShellWordsError on an unterminated quote or escape, an unquoted
 *   shell operator, or an unquoted `(` that does not start `$(`.
 */
export function splitShellWords(line: string): string[] {
  const args: string[] = [];
  let buf = '';
  let got = false;
  let escaped = false;
  let single = false;
  let double = false;
  let backtick = false;
  let dollarParen = false;

  for (const c of line) {
    if (escaped) {
      buf += c === 't' ? '\t' : c === 'n' ? '\n' : c;
      escaped = false;
      got = true;
      continue;
    }
    if (c === '\\') {
      if (single) buf += c;
      else escaped = true;
      continue;
    }
    if (SPACE.has(c)) {
      if (single || double || backtick || dollarParen) buf += c;
      else if (got) {
        args.push(buf);
        buf = '';
        got = false;
      }
      continue;
    }
    const quoted = single || double || backtick || dollarParen;
    if (c === '`' && !single && !double && !dollarParen) backtick = !backtick;
    else if (c === ')' && !single && !double && !backtick) dollarParen = !dollarParen;
    else if (c === '(' && !single && !double && !backtick) {
      if (!dollarParen && buf.endsWith('$')) dollarParen = true;
      else throw new ShellWordsError('unquoted "(" in the command; quote the argument or use the list form');
    } else if (c === '"' && !single && !dollarParen) {
      if (double) got = true;
      double = !double;
      continue;
    } else if (c === "'" && !double && !dollarParen) {
      if (single) got = true;
      single = !single;
      continue;
    } else if (OPERATORS.has(c) && !quoted) {
      throw new ShellWordsError(
        `unquoted ${JSON.stringify(c)} in the command: Compose does not run a command string through a shell, ` +
          'so it would cut the command there; write it as ["sh", "-c", "..."] or quote the whole shell line',
      );
    }
    got = true;
    buf += c;
  }
  if (got) args.push(buf);
  if (escaped || single || double || backtick || dollarParen) {
    throw new ShellWordsError('unterminated quote or escape in the command');
  }
  return args;
}
