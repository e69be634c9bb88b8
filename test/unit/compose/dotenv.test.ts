// Cases follow Compose's "Syntax for environment files" page and the
// behaviour of compose-go's dotenv parser (its godotenv tests).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  ComposeFileError,
  InterpolationSyntaxError,
  MissingRequiredVariableError,
  type LoadWarning,
} from '../../../src/compose/errors.js';
import { parseDotenv, readDotenvFile } from '../../../src/compose/dotenv.js';

const lookupIn =
  (env: Record<string, string>) =>
  (name: string): string | undefined =>
    Object.hasOwn(env, name) ? env[name] : undefined;

describe('parseDotenv', () => {
  const cases: { name: string; input: string; env?: Record<string, string>; expected: Record<string, string> }[] = [
    // keys, separators, whitespace
    { name: 'KEY=VAL', input: 'FOO=bar', expected: { FOO: 'bar' } },
    { name: 'spaces around the key and after =', input: ' FOO = bar', expected: { FOO: 'bar' } },
    { name: 'tab before the key', input: '\tKEY=value', expected: { KEY: 'value' } },
    { name: 'KEY= is the empty string', input: 'EMPTY=\nNEXT=1', expected: { EMPTY: '', NEXT: '1' } },
    { name: 'several = in the value', input: 'FOO=foobar=', expected: { FOO: 'foobar=' } },
    { name: 'URL value', input: 'A=postgres://localhost:5432/db?sslmode=disable', expected: { A: 'postgres://localhost:5432/db?sslmode=disable' } },
    { name: 'YAML-style KEY: VAL', input: 'OPTION_A: 1', expected: { OPTION_A: '1' } },
    { name: 'YAML-style value keeps =', input: 'OPTION_A: Foo=bar', expected: { OPTION_A: 'Foo=bar' } },
    { name: 'colon after = belongs to the value', input: 'OPTION_A=1:B', expected: { OPTION_A: '1:B' } },
    { name: 'dots, dashes and brackets in keys', input: 'FOO.BAR=a\nVAR-WITH-DASHES=b\na[1]=c', expected: { 'FOO.BAR': 'a', 'VAR-WITH-DASHES': 'b', 'a[1]': 'c' } },
    { name: 'unicode letters in keys', input: 'árvíztűrő=ok', expected: { árvíztűrő: 'ok' } },
    { name: 'later definitions win', input: 'A=1\nA=2', expected: { A: '2' } },
    { name: 'byte order mark is ignored', input: '\ufeffA=1', expected: { A: '1' } },
    { name: 'CRLF line endings', input: 'A=1\r\nB="2"\r\nC\r\n', env: { C: 'c' }, expected: { A: '1', B: '2', C: 'c' } },

    // export
    { name: 'export prefix', input: 'export OPTION_A=2', expected: { OPTION_A: '2' } },
    { name: 'export with a tab', input: 'export\tOPTION_A=2', expected: { OPTION_A: '2' } },
    { name: 'indented export', input: '  export OPTION_A=2', expected: { OPTION_A: '2' } },
    { name: 'export is only a prefix with a space', input: 'exportFOO=2\nexport_FOO =3', expected: { exportFOO: '2', export_FOO: '3' } },
    { name: 'export in the value is kept', input: 'export OPTION_A="export A"', expected: { OPTION_A: 'export A' } },

    // comments and blank lines
    { name: 'comment and blank lines', input: '# comment\n\n   \n\t # indented comment\nA=1\n#B=2', expected: { A: '1' } },
    { name: 'inline comment after a space', input: 'FOO=bar # this is foo', expected: { FOO: 'bar' } },
    { name: 'inline comment without text', input: 'FOO=bar #', expected: { FOO: 'bar' } },
    { name: '# without a space is part of the value', input: 'FOO=123#not-a-comment', expected: { FOO: '123#not-a-comment' } },
    { name: 'trailing spaces are trimmed', input: 'FOO=bar   ', expected: { FOO: 'bar' } },
    { name: 'inner spaces are kept', input: 'FOO=some spaced value', expected: { FOO: 'some spaced value' } },
    { name: '# inside double quotes', input: 'FOO="bar#baz" # comment', expected: { FOO: 'bar#baz' } },
    { name: '# inside single quotes', input: "FOO='bar#baz' # comment", expected: { FOO: 'bar#baz' } },
    { name: 'comment right after the closing quote', input: 'FOO="bar"#c', expected: { FOO: 'bar' } },
    { name: '" #" inside quotes is not a comment', input: 'VAR="VAL # not a comment"', expected: { VAR: 'VAL # not a comment' } },

    // quoting
    { name: 'double quotes', input: 'FOO="bar"', expected: { FOO: 'bar' } },
    { name: 'single quotes', input: "FOO='bar'", expected: { FOO: 'bar' } },
    { name: 'quoted values keep their spaces', input: 'FOO="  a  "', expected: { FOO: '  a  ' } },
    { name: 'empty quoted values', input: `A=""\nB=''`, expected: { A: '', B: '' } },
    { name: 'escaped double quote', input: 'FOO="escaped\\"bar"', expected: { FOO: 'escaped"bar' } },
    { name: 'JSON with escaped quotes', input: 'VAR="{\\"hello\\": \\"json\\"}"', expected: { VAR: '{"hello": "json"}' } },
    { name: 'escaped single quote in single quotes', input: "VAR='Let\\'s go!'", expected: { VAR: "Let's go!" } },
    { name: 'single quotes inside double quotes', input: `FOO="'d'"`, expected: { FOO: "'d'" } },
    { name: 'multi-line double-quoted value', input: 'J="first line\nsecond line"\nZ=last', expected: { J: 'first line\nsecond line', Z: 'last' } },
    { name: 'multi-line single-quoted value', input: "K='-----BEGIN-----\nabc\n-----END-----'", expected: { K: '-----BEGIN-----\nabc\n-----END-----' } },

    // escapes
    { name: '\\n in double quotes is a newline', input: 'FOO="bar\\nbaz"', expected: { FOO: 'bar\nbaz' } },
    { name: '\\t in double quotes is a tab', input: 'FOO="a\\tb"', expected: { FOO: 'a\tb' } },
    { name: 'no escapes in single quotes', input: "FOO='a\\tb\\n'", expected: { FOO: 'a\\tb\\n' } },
    { name: 'no escapes unquoted', input: 'FOO=a\\tb', expected: { FOO: 'a\\tb' } },
    { name: 'shell escape set', input: 'KEY="Z\\aZ\\bZ\\fZ\\nZ\\rZ\\tZ\\vZ\\\\Z\\0123Z"', expected: { KEY: 'Z\x07Z\bZ\fZ\nZ\rZ\tZ\vZ\\ZSZ' } },
    { name: 'escaped backslash before the closing quote', input: 'FOO="bar\\nbaz\\\\"', expected: { FOO: 'bar\nbaz\\' } },
    { name: 'unknown escapes keep their backslash', input: 'FOO="bar\\n\\ b\\az"', expected: { FOO: 'bar\n\\ b\x07z' } },
    { name: 'non-echo escapes are not expanded', input: 'K1="\\x07"\nK2="\\u12e4"', expected: { K1: '\\x07', K2: '\\u12e4' } },

    // interpolation
    { name: '$VAR from an earlier key', input: 'FOO=test\nBAR=$FOO', expected: { FOO: 'test', BAR: 'test' } },
    { name: '${VAR} from an earlier key', input: 'FOO=test\nBAR=${FOO}bar', expected: { FOO: 'test', BAR: 'testbar' } },
    { name: 'interpolation in double quotes', input: 'FOO=test\nBAR="quote $FOO"', expected: { FOO: 'test', BAR: 'quote test' } },
    { name: 'no interpolation in single quotes', input: "BAR='quote $FOO ${FOO}'", expected: { BAR: 'quote $FOO ${FOO}' } },
    { name: 'undefined variable is empty', input: 'BAR=$FOO', expected: { BAR: '' } },
    { name: '\\$ in double quotes is a literal $', input: 'FOO="foo\\$BAR"', expected: { FOO: 'foo$BAR' } },
    { name: '\\${ in double quotes is literal', input: 'FOO=test\nBAR="foo\\${FOO} ${FOO}"', expected: { FOO: 'test', BAR: 'foo${FOO} test' } },
    { name: '$$ is a literal $', input: 'FOO=$$BAR', expected: { FOO: '$BAR' } },
    { name: 'defaults work', input: 'A=${UNSET:-Default Value}\nB=${EMPTY-x}', env: { EMPTY: '' }, expected: { A: 'Default Value', B: '' } },
    { name: 'lookup wins over an earlier key (compose-go order)', input: 'OPTION_A=1\nOPTION_B=${OPTION_A}\nOPTION_C=${OPTION_A}_${OPTION_B}', env: { OPTION_A: '5' }, expected: { OPTION_A: '1', OPTION_B: '5', OPTION_C: '5_5' } },
    { name: 'a key may default to itself from the environment', input: 'OPTION_A=${OPTION_A:-1}\nOPTION_B=$OPTION_A', env: { OPTION_A: '5' }, expected: { OPTION_A: '5', OPTION_B: '5' } },
    { name: 'lookup resolves variables unknown to the file', input: 'TEST=$ME', env: { ME: 'YES' }, expected: { TEST: 'YES' } },

    // inherited keys
    { name: 'bare KEY takes the value from lookup', input: 'VAR_FROM_ENV\nfoo=bar', env: { VAR_FROM_ENV: 'x' }, expected: { VAR_FROM_ENV: 'x', foo: 'bar' } },
    { name: 'bare KEY unknown to lookup is left out', input: 'VARIABLE_NOT_FOUND\nfoo=bar', expected: { foo: 'bar' } },
    { name: 'bare KEY on the last line without newline', input: 'foo=bar\nLAST', env: { LAST: 'l' }, expected: { foo: 'bar', LAST: 'l' } },
    { name: 'bare KEY set to empty in lookup', input: 'E', env: { E: '' }, expected: { E: '' } },
    { name: 'bare KEY does not read earlier keys of the file', input: 'A=1\nA', expected: { A: '1' } },
  ];

  it.each(cases)('$name', ({ input, env, expected }) => {
    const out = parseDotenv(input, { file: '.env', lookup: env ? lookupIn(env) : undefined });
    expect(out).toEqual(expected);
  });

  it('keeps "__proto__" as an ordinary key', () => {
    const out = parseDotenv('__proto__=x\nconstructor=y', { file: '.env' });
    expect(Object.keys(out)).toEqual(['__proto__', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toBe('x');
  });

  it('reports unset variables as warnings naming file, line and key', () => {
    const warnings: LoadWarning[] = [];
    parseDotenv('A=1\n\nB=${NOPE}', { file: '/p/.env', onWarning: (w) => warnings.push(w) });
    expect(warnings).toEqual([
      {
        code: 'VARIABLE_NOT_SET',
        message: 'The "NOPE" variable is not set. Defaulting to a blank string.',
        position: { file: '/p/.env', line: 3 },
        keyPath: 'B',
      },
    ]);
  });

  const syntaxErrors: { name: string; input: string; line: number; says: string }[] = [
    { name: 'character not allowed in a key', input: 'A=1\nlol$wut', line: 2, says: 'unexpected character "$" in variable name' },
    { name: 'key with a space', input: 'A=1\n\nKEY NAME=1', line: 3, says: 'contains a space' },
    { name: 'inline comment after a bare key', input: 'KEY # comment', line: 1, says: 'unexpected character "#"' },
    { name: 'no key before =', input: '="value"', line: 1, says: 'missing variable name' },
    { name: 'unterminated double quote', input: 'A=1\nKEY="value', line: 2, says: 'unterminated quoted value for KEY' },
    { name: 'unterminated single quote', input: "KEY='value", line: 1, says: 'unterminated quoted value' },
    { name: 'only an opening quote', input: 'KEY="', line: 1, says: 'unterminated quoted value' },
    { name: 'escaped closing quote leaves it open', input: 'KEY="value\\"', line: 1, says: 'unterminated quoted value' },
    { name: 'other quote does not close', input: `KEY="value'`, line: 1, says: 'unterminated quoted value' },
    { name: 'text after the closing quote', input: 'A=1\nB="x" y', line: 2, says: 'after the closing quote of B' },
    { name: 'error after a multi-line value has the right line', input: 'A="1\n2\n3"\nbad key=1', line: 4, says: 'contains a space' },
  ];

  it.each(syntaxErrors)('syntax error: $name', ({ input, line, says }) => {
    let error: unknown;
    try {
      parseDotenv(input, { file: '/p/.env' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ComposeFileError);
    const e = error as ComposeFileError;
    expect(e.code).toBe('ENV_FILE_SYNTAX');
    expect(e.position).toEqual({ file: '/p/.env', line });
    expect(e.message.startsWith(`/p/.env:${line}: `)).toBe(true);
    expect(e.message).toContain(says);
    expect(e.message).toMatch(/; (write|remove|close|put) /); // says what to do
  });

  it('a required variable names file, line, key and variable', () => {
    let error: unknown;
    try {
      parseDotenv('A=1\nDB_URL="postgres://${DB_HOST:?set DB_HOST}/x"', { file: '/p/.env' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MissingRequiredVariableError);
    const e = error as MissingRequiredVariableError;
    expect(e.variable).toBe('DB_HOST');
    expect(e.message.startsWith('/p/.env:2: DB_URL: required variable DB_HOST is missing a value: set DB_HOST')).toBe(true);
  });

  it('a malformed ${ names file and line', () => {
    expect(() => parseDotenv('A=1\nB=${oops', { file: '/p/.env' })).toThrow(InterpolationSyntaxError);
    expect(() => parseDotenv('A=1\nB=${oops', { file: '/p/.env' })).toThrow(/^\/p\/\.env:2: B: invalid interpolation format/);
  });
});

describe('readDotenvFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'modelstack-dotenv-'));
    await writeFile(join(dir, 'app.env'), 'A=1\nB=${A}-$HOST_VAR\n');
    await mkdir(join(dir, 'folder.env'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads and parses a file with lookup', async () => {
    const out = await readDotenvFile(join(dir, 'app.env'), { lookup: lookupIn({ HOST_VAR: 'h' }) });
    expect(out).toEqual({ A: '1', B: '1-h' });
  });

  it('returns {} for a missing optional file', async () => {
    expect(await readDotenvFile(join(dir, 'missing.env'), { required: false })).toEqual({});
  });

  it.each([
    { name: 'required: true', options: { required: true } },
    { name: 'required by default', options: undefined },
  ])('a missing file is an error when $name', async ({ options }) => {
    const path = join(dir, 'missing.env');
    const error = await readDotenvFile(path, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ComposeFileError);
    const e = error as ComposeFileError;
    expect(e.code).toBe('ENV_FILE_NOT_FOUND');
    expect(e.message).toContain(path);
    expect(e.message).toContain('required: false');
  });

  it('a directory is an error even when optional', async () => {
    const error = await readDotenvFile(join(dir, 'folder.env'), { required: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ComposeFileError);
    expect((error as ComposeFileError).code).toBe('ENV_FILE_UNREADABLE');
    expect((error as Error).message).toContain('is a directory');
  });

  it('parse errors name the file read', async () => {
    const path = join(dir, 'bad.env');
    await writeFile(path, 'OK=1\nBAD KEY=2\n');
    await expect(readDotenvFile(path)).rejects.toThrow(`${path}:2: `);
  });
});
