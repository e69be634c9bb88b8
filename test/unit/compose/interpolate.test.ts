// Cases follow the compose-spec "Interpolation" section and the behaviour of
// Compose's loader (compose-go template tests); each names the rule it pins.
import { describe, expect, it } from 'vitest';

import {
  ComposeFileError,
  InterpolationSyntaxError,
  MissingRequiredVariableError,
  type LoadWarning,
} from '../../../src/compose/errors.js';
import { interpolateString, interpolateTree } from '../../../src/compose/interpolate.js';

const ENV: Record<string, string> = { FOO: 'first', BAR: '', JSON: '{"json":2}', TAG: 'v1.5' };
const lookupIn =
  (env: Record<string, string>) =>
  (name: string): string | undefined =>
    Object.hasOwn(env, name) ? env[name] : undefined;

function run(input: string, env: Record<string, string> = ENV): { out: string; warnings: LoadWarning[] } {
  const warnings: LoadWarning[] = [];
  const out = interpolateString(input, { lookup: lookupIn(env), onWarning: (w) => warnings.push(w) });
  return { out, warnings };
}

describe('interpolateString', () => {
  const cases: { name: string; input: string; expected: string; env?: Record<string, string> }[] = [
    { name: 'no $ at all', input: 'foo', expected: 'foo' },
    { name: '$VAR', input: 'This $FOO var', expected: 'This first var' },
    { name: '${VAR}', input: 'This ${FOO} var', expected: 'This first var' },
    { name: 'name ends at the first non-name char', input: '$FOO-bar', expected: 'first-bar' },
    { name: 'names are case-sensitive and may hold digits/underscores', input: '$_a1', expected: 'x', env: { _a1: 'x' } },
    { name: 'set but empty ${VAR} is empty', input: 'This ${BAR} var', expected: 'This  var' },
    { name: 'several expressions in one string', input: '${FOO}:$TAG-${FOO}', expected: 'first:v1.5-first' },

    { name: ':- unset uses default', input: 'ok ${missing:-def}', expected: 'ok def' },
    { name: ':- empty uses default', input: 'ok ${BAR:-def}', expected: 'ok def' },
    { name: ':- set keeps value', input: 'ok ${FOO:-def}', expected: 'ok first' },
    { name: '- unset uses default', input: 'ok ${missing-def}', expected: 'ok def' },
    { name: '- empty keeps the empty value', input: 'ok ${BAR-def}', expected: 'ok ' },
    { name: '- set keeps value', input: 'ok ${FOO-def}', expected: 'ok first' },
    { name: 'default may hold operator text', input: 'ok ${BAR:-/non:-alphanumeric}', expected: 'ok /non:-alphanumeric' },
    { name: 'default may be empty', input: '[${missing:-}]', expected: '[]' },
    { name: 'the first operator after the name wins (- then ?)', input: '${missing-myerror?msg}', expected: 'myerror?msg' },
    { name: 'the first operator after the name wins (? then -)', input: '${FOO?bar-baz}', expected: 'first' },

    { name: ':+ set non-empty gives alternative', input: 'ok ${FOO:+presence_value}', expected: 'ok presence_value' },
    { name: ':+ empty gives empty', input: 'ok ${BAR:+presence_value}', expected: 'ok ' },
    { name: ':+ unset gives empty', input: 'ok ${missing:+presence_value}', expected: 'ok ' },
    { name: '+ set (even empty) gives alternative', input: 'ok ${BAR+presence_value}', expected: 'ok presence_value' },
    { name: '+ unset gives empty', input: 'ok ${missing+presence_value}', expected: 'ok ' },

    { name: ':? set keeps value', input: 'ok ${FOO:?err}', expected: 'ok first' },
    { name: '? set keeps value', input: 'ok ${FOO?err}', expected: 'ok first' },
    { name: '? empty is fine (only unset fails)', input: 'ok ${BAR?err}', expected: 'ok ' },

    { name: 'nested: default is ${VAR}', input: 'ok ${missing-${FOO}}', expected: 'ok first' },
    { name: 'nested: default is $VAR', input: 'ok ${BAR:-$FOO}', expected: 'ok first' },
    { name: 'nested: default mixes text and vars', input: 'ok ${BAR:-${FOO} ${FOO}}', expected: 'ok first first' },
    { name: 'nested: two levels', input: '${missing:-${also_missing:-x}}', expected: 'x' },
    { name: 'nested: alternative holds vars', input: 'ok ${BAR+$FOO ${FOO:+second}}', expected: 'ok first second' },
    { name: 'nested: inner default only when inner unset', input: '+ok ${missing:-${BAR-defaultValue}}', expected: '+ok ' },
    { name: 'braces in a default are balanced (JSON)', input: 'ok ${missing:-{"json":1}}', expected: 'ok {"json":1}' },
    { name: 'braces in a default, value set', input: 'ok ${JSON-{"json":1}}', expected: 'ok {"json":2}' },
    { name: 'text after the closing brace is kept', input: '${missing:-x}-y}', expected: 'x-y}' },

    { name: '$$ is a literal $', input: '$$VAR_NOT_INTERPOLATED', expected: '$VAR_NOT_INTERPOLATED' },
    { name: '$${...} is not interpolated', input: '$${foo}', expected: '${foo}' },
    { name: '$$$VAR is $ then the value', input: '$$$FOO', expected: '$first' },
    { name: '$$ inside a default', input: '${missing:-$$x}', expected: '$x' },

    { name: 'lone $ is kept', input: 'a $ string', expected: 'a $ string' },
    { name: 'trailing $ is kept', input: '^REGEX$', expected: '^REGEX$' },
    { name: '$} is kept', input: '$}', expected: '$}' },
    { name: '$ alone is kept', input: '$', expected: '$' },
    { name: '$ before a digit is kept (shell positional)', input: 'echo $1', expected: 'echo $1' },
    { name: '$ before punctuation is kept', input: 'cost: 5$/h', expected: 'cost: 5$/h' },
  ];

  it.each(cases)('$name: $input', ({ input, expected, env }) => {
    expect(run(input, env).out).toBe(expected);
  });

  const warningCases: { name: string; input: string; expected: string[] }[] = [
    { name: '$VAR unset warns', input: 'a $missing b', expected: ['missing'] },
    { name: '${VAR} unset warns', input: '${missing}', expected: ['missing'] },
    { name: 'one warning per variable per string', input: '$missing ${missing}', expected: ['missing'] },
    { name: 'set but empty does not warn', input: '$BAR', expected: [] },
    { name: 'a default silences the warning', input: '${missing:-x} ${missing-y}', expected: [] },
    { name: 'an alternative silences the warning', input: '${missing:+x}${missing+y}', expected: [] },
    { name: 'unused default is not evaluated (no false warning, docker/compose#12637)', input: '${FOO:-$unused}', expected: [] },
    { name: 'used default warns about its own unset variable', input: '${missing:-$inner}', expected: ['inner'] },
  ];

  it.each(warningCases)('warning: $name', ({ input, expected }) => {
    const { out, warnings } = run(input);
    expect(warnings.map((w) => w.message)).toEqual(
      expected.map((v) => `The "${v}" variable is not set. Defaulting to a blank string.`),
    );
    expect(warnings.every((w) => w.code === 'VARIABLE_NOT_SET')).toBe(true);
    expect(out).not.toContain('$');
  });

  it('a warning carries the position and key path of the string', () => {
    const warnings: LoadWarning[] = [];
    interpolateString('$nope', {
      lookup: () => undefined,
      position: { file: 'compose.yaml', line: 4, column: 12 },
      keyPath: 'services.web.image',
      onWarning: (w) => warnings.push(w),
    });
    expect(warnings).toEqual([
      {
        code: 'VARIABLE_NOT_SET',
        message: 'The "nope" variable is not set. Defaulting to a blank string.',
        position: { file: 'compose.yaml', line: 4, column: 12 },
        keyPath: 'services.web.image',
      },
    ]);
  });

  const requiredCases: { name: string; input: string; variable: string; reason: string }[] = [
    { name: ':? unset', input: 'not ok ${UNSET_VAR:?Mandatory Variable Unset}', variable: 'UNSET_VAR', reason: 'Mandatory Variable Unset' },
    { name: ':? empty', input: 'not ok ${BAR:?Mandatory Variable Empty}', variable: 'BAR', reason: 'Mandatory Variable Empty' },
    { name: ':? without message', input: 'not ok ${UNSET_VAR:?}', variable: 'UNSET_VAR', reason: '' },
    { name: '? unset', input: 'not ok ${UNSET_VAR?Mandatory Variable Unset}', variable: 'UNSET_VAR', reason: 'Mandatory Variable Unset' },
    { name: '? without message', input: '${UNSET_VAR?}', variable: 'UNSET_VAR', reason: '' },
    { name: 'message is interpolated', input: '${UNSET_VAR:?Mandatory Variable ${FOO}}', variable: 'UNSET_VAR', reason: 'Mandatory Variable first' },
    { name: 'message keeps operator text', input: '${UNSET_VAR?bar-baz}', variable: 'UNSET_VAR', reason: 'bar-baz' },
    { name: 'required inside a used default', input: '${missing:-${NEED:?set NEED}}', variable: 'NEED', reason: 'set NEED' },
  ];

  it.each(requiredCases)('required: $name', ({ input, variable, reason }) => {
    const position = { file: '/p/compose.yaml', line: 7, column: 5 };
    let error: unknown;
    try {
      interpolateString(input, { lookup: lookupIn(ENV), position, keyPath: 'services.db.environment.PASSWORD' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MissingRequiredVariableError);
    expect(error).toBeInstanceOf(ComposeFileError);
    const e = error as MissingRequiredVariableError;
    expect(e.code).toBe('INTERPOLATION_REQUIRED');
    expect(e.variable).toBe(variable);
    expect(e.reason).toBe(reason);
    expect(e.position).toEqual(position);
    expect(e.message).toMatch(
      new RegExp(`^/p/compose\\.yaml:7:5: services\\.db\\.environment\\.PASSWORD: required variable ${variable} is missing a value`),
    );
    if (reason) expect(e.message).toContain(`: ${reason}; `);
    expect(e.message).toContain(`set ${variable} in the environment`);
  });

  it('a required check in an unused default does not fire (evaluated lazily)', () => {
    expect(run('${FOO:-${NEED:?never}}').out).toBe('first');
  });

  const syntaxCases: { name: string; input: string; problem: string }[] = [
    { name: 'unterminated ${', input: '${', problem: 'unterminated' },
    { name: 'unterminated ${NAME', input: 'image: ${TAG', problem: 'unterminated' },
    { name: 'unterminated default', input: '${TAG:-latest', problem: 'unterminated' },
    { name: 'unterminated nested', input: '${A:-${B}', problem: 'unterminated' },
    { name: 'empty braces', input: '${}', problem: 'empty' },
    { name: 'space only', input: '${ }', problem: 'not a variable expression' },
    { name: 'leading space', input: '${ foo}', problem: 'not a variable expression' },
    { name: 'trailing space', input: '${foo }', problem: 'not a variable expression' },
    { name: 'unsupported operator', input: '${foo!}', problem: 'not a variable expression' },
    { name: 'shell substitution is not supported', input: '${VARIABLE/foo/bar}', problem: 'not a variable expression' },
    { name: 'colon without operator', input: '${foo:bar}', problem: 'not a variable expression' },
    { name: 'dots are not allowed in braced names', input: '${foo.bar}', problem: 'not a variable expression' },
    { name: 'name must not start with a digit', input: '${1}', problem: 'not a variable expression' },
    { name: 'invalid nested expression in a used default', input: '${missing:-${ x}}', problem: 'not a variable expression' },
    { name: 'an expression cannot span lines', input: '${missing:-a\nb}', problem: 'spans several lines' },
  ];

  it.each(syntaxCases)('syntax error: $name', ({ input, problem }) => {
    let error: unknown;
    try {
      interpolateString(input, {
        lookup: lookupIn(ENV),
        position: { file: 'compose.yaml', line: 3, column: 12 },
        keyPath: 'services.web.image',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InterpolationSyntaxError);
    const e = error as InterpolationSyntaxError;
    expect(e.code).toBe('INTERPOLATION_SYNTAX');
    expect(e.template).toBe(input);
    expect(e.message.startsWith('compose.yaml:3:12: services.web.image: invalid interpolation format')).toBe(true);
    expect(e.message).toContain(problem);
    expect(e.message).toContain('"$$" for a literal "$"');
  });
});

describe('interpolateTree', () => {
  it('interpolates string values at every depth, never keys, and keeps other types', () => {
    const tree = {
      name: 'stack-${TAG}',
      services: {
        web: {
          image: 'app:${TAG}',
          command: ['serve', '--tag=$TAG', '$$HOME'],
          labels: { '${TAG}': '${FOO}' },
          ports: [8080, '${PORT:-9000}:80'],
          init: true,
          healthcheck: null,
        },
      },
    };
    const out = interpolateTree(tree, { lookup: lookupIn(ENV) });
    expect(out).toEqual({
      name: 'stack-v1.5',
      services: {
        web: {
          image: 'app:v1.5',
          command: ['serve', '--tag=v1.5', '$HOME'],
          labels: { '${TAG}': 'first' },
          ports: [8080, '9000:80'],
          init: true,
          healthcheck: null,
        },
      },
    });
    // A new tree: the input is untouched.
    expect(tree.services.web.image).toBe('app:${TAG}');
  });

  it('keeps a "__proto__" key as an ordinary key', () => {
    const tree = JSON.parse('{"__proto__": {"x": "$FOO"}}') as Record<string, unknown>;
    const out = interpolateTree(tree, { lookup: lookupIn(ENV) });
    expect(Object.keys(out)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect((Object.getOwnPropertyDescriptor(out, '__proto__')?.value as Record<string, string>).x).toBe('first');
  });

  it('names the key path and the position from positionOf in errors', () => {
    const tree = { services: { web: { environment: ['A=1', 'B=${NEED:?B needs NEED}'] } } };
    const seen: (string | number)[][] = [];
    let error: unknown;
    try {
      interpolateTree(tree, {
        lookup: () => undefined,
        file: 'compose.yaml',
        positionOf: (path) => {
          seen.push(path);
          return { file: 'compose.yaml', line: 9, column: 9 };
        },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MissingRequiredVariableError);
    const e = error as MissingRequiredVariableError;
    expect(e.keyPath).toBe('services.web.environment[1]');
    expect(e.message).toBe(
      'compose.yaml:9:9: services.web.environment[1]: required variable NEED is missing a value: B needs NEED; ' +
        "set NEED in the environment or in the project's .env file",
    );
    expect(seen).toContainEqual(['services', 'web', 'environment', 1]);
  });

  it('falls back to the file when positionOf knows nothing, and quotes dotted keys', () => {
    let error: unknown;
    try {
      interpolateTree({ services: { web: { labels: { 'com.example.role': '${oops' } } } }, {
        lookup: () => undefined,
        file: 'compose.yaml',
        positionOf: () => undefined,
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InterpolationSyntaxError);
    expect((error as Error).message.startsWith('compose.yaml: services.web.labels["com.example.role"]: ')).toBe(true);
  });

  it('warns once per unset variable per tree, at its first use', () => {
    const warnings: LoadWarning[] = [];
    interpolateTree(
      { a: '$GONE', b: ['${GONE}', '$OTHER'] },
      { lookup: () => undefined, file: 'c.yaml', onWarning: (w) => warnings.push(w) },
    );
    expect(warnings.map((w) => [w.keyPath, w.message])).toEqual([
      ['a', 'The "GONE" variable is not set. Defaulting to a blank string.'],
      ['b[1]', 'The "OTHER" variable is not set. Defaulting to a blank string.'],
    ]);
    expect(warnings[0]?.position).toEqual({ file: 'c.yaml' });
  });
});
