// Precedence and normalization as Compose applies them (compose-go
// cli/options.go withNamePrecedenceLoad, loader.go projectName and
// NormalizeProjectName): -p > COMPOSE_PROJECT_NAME > name: > folder.
import { describe, expect, it } from 'vitest';

import { InvalidProjectNameError } from '../../../src/compose/errors.js';
import { assertValidProjectName, normalizeProjectName, resolveProjectName } from '../../../src/compose/project-name.js';

type Sources = Parameters<typeof resolveProjectName>[0];

describe('resolveProjectName', () => {
  const cases: { name: string; input: Sources; expected: string }[] = [
    {
      name: '-p wins over everything',
      input: { explicit: 'cli', env: { COMPOSE_PROJECT_NAME: 'env' }, nameField: 'file', workingDir: '/w/folder' },
      expected: 'cli',
    },
    {
      name: 'COMPOSE_PROJECT_NAME wins over name: and folder',
      input: { env: { COMPOSE_PROJECT_NAME: 'env' }, nameField: 'file', workingDir: '/w/folder' },
      expected: 'env',
    },
    { name: 'name: wins over the folder', input: { nameField: 'file', workingDir: '/w/folder' }, expected: 'file' },
    { name: 'folder name is the fallback', input: { workingDir: '/w/folder' }, expected: 'folder' },
    { name: 'empty -p counts as unset', input: { explicit: '', env: { COMPOSE_PROJECT_NAME: 'env' }, workingDir: '/w/f' }, expected: 'env' },
    { name: 'empty COMPOSE_PROJECT_NAME counts as unset', input: { env: { COMPOSE_PROJECT_NAME: '' }, nameField: 'file', workingDir: '/w/f' }, expected: 'file' },
    { name: 'undefined COMPOSE_PROJECT_NAME counts as unset', input: { env: { COMPOSE_PROJECT_NAME: undefined }, workingDir: '/w/f' }, expected: 'f' },
    { name: 'other env variables are ignored', input: { env: { PROJECT: 'no' }, workingDir: '/w/f' }, expected: 'f' },
    { name: 'empty name: counts as unset', input: { nameField: '', workingDir: '/w/f' }, expected: 'f' },
    // Compose normalizes `name:` instead of rejecting it.
    { name: 'name: is normalized', input: { nameField: 'My Model Stack', workingDir: '/w/f' }, expected: 'mymodelstack' },
    { name: 'folder is normalized (case, dots, spaces)', input: { workingDir: '/home/u/My.Customer Service' }, expected: 'mycustomerservice' },
    { name: 'folder loses leading _ and -', input: { workingDir: '/tmp/_-demo' }, expected: 'demo' },
    { name: 'hidden folder', input: { workingDir: '/tmp/.stack' }, expected: 'stack' },
    { name: 'trailing slash', input: { workingDir: '/w/folder/' }, expected: 'folder' },
    { name: 'path is resolved before taking the base name', input: { workingDir: '/w/a/../b' }, expected: 'b' },
  ];

  it.each(cases)('$name', ({ input, expected }) => {
    expect(resolveProjectName(input)).toBe(expected);
  });

  const errors: { name: string; input: Sources; source: string; suggestion?: string }[] = [
    { name: 'invalid -p', input: { explicit: 'My App', workingDir: '/w/f' }, source: '-p', suggestion: 'myapp' },
    { name: '-p with a leading dash', input: { explicit: '-x', workingDir: '/w/f' }, source: '-p', suggestion: 'x' },
    {
      name: 'invalid COMPOSE_PROJECT_NAME',
      input: { env: { COMPOSE_PROJECT_NAME: 'Stack.One' }, workingDir: '/w/f' },
      source: 'COMPOSE_PROJECT_NAME',
      suggestion: 'stackone',
    },
    { name: 'folder that normalizes to nothing', input: { workingDir: '/w/___' }, source: 'working directory' },
    // As Compose ("project name must not be empty"): no fallback to the folder.
    { name: 'name: that normalizes to nothing', input: { nameField: '__!!', workingDir: '/w/f' }, source: 'the `name:` of the compose file' },
    { name: 'the root folder', input: { workingDir: '/' }, source: 'working directory' },
  ];

  it.each(errors)('error: $name', ({ input, source, suggestion }) => {
    let error: unknown;
    try {
      resolveProjectName(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidProjectNameError);
    const e = error as InvalidProjectNameError;
    expect(e.code).toBe('INVALID_PROJECT_NAME');
    expect(e.source).toContain(source);
    expect(e.suggestion).toBe(suggestion);
    expect(e.message).toContain('only lowercase letters, digits, "_" and "-"');
    expect(e.message).toContain(suggestion ? `use "${suggestion}" instead` : 'pass a name with -p');
  });
});

describe('normalizeProjectName', () => {
  const cases: { input: string; expected: string }[] = [
    { input: 'myapp', expected: 'myapp' },
    { input: 'MyApp', expected: 'myapp' },
    { input: 'my app', expected: 'myapp' },
    { input: 'my.app', expected: 'myapp' },
    { input: 'a_b-c', expected: 'a_b-c' },
    { input: '1abc', expected: '1abc' },
    { input: '__x', expected: 'x' },
    { input: '-_-x-_', expected: 'x-_' }, // only leading separators go
    { input: 'Été 2024', expected: 't2024' }, // non-ASCII letters are dropped
    { input: '\u0130stanbul', expected: 'istanbul' }, // İ lowercases to i (+ a dropped combining dot)
    { input: '日本', expected: '' },
    { input: '', expected: '' },
  ];

  it.each(cases)('$input → $expected', ({ input, expected }) => {
    expect(normalizeProjectName(input)).toBe(expected);
  });
});

describe('assertValidProjectName', () => {
  it.each(['a', '0', 'a_b-c', 'x-', 'model-stack_2'])('accepts %j', (name) => {
    expect(() => assertValidProjectName(name, '-p')).not.toThrow();
  });

  const invalid: { input: string; suggestion: string | undefined }[] = [
    { input: '', suggestion: undefined },
    { input: 'A', suggestion: 'a' },
    { input: '-a', suggestion: 'a' },
    { input: '_a', suggestion: 'a' },
    { input: 'a.b', suggestion: 'ab' },
    { input: 'a b', suggestion: 'ab' },
    { input: 'ñ', suggestion: undefined },
  ];

  it.each(invalid)('rejects $input', ({ input, suggestion }) => {
    let error: unknown;
    try {
      assertValidProjectName(input, 'COMPOSE_PROJECT_NAME');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidProjectNameError);
    const e = error as InvalidProjectNameError;
    expect(e.projectName).toBe(input);
    expect(e.suggestion).toBe(suggestion);
    expect(e.message).toContain(`invalid project name ${JSON.stringify(input)} (from COMPOSE_PROJECT_NAME)`);
    expect(e.message).toContain('start with a letter or a digit');
  });
});
