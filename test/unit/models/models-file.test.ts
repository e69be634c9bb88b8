/**
 * The models file: read by the compose loader's YAML stage, validated by the
 * options schema, and every error about it — from the schema or from
 * building the stack — names `file:line:col` and the option, with the same
 * formatter as compose files.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ComposeFileError } from '../../../src/compose/errors.js';
import { loadModelsFile } from '../../../src/models/models-file.js';
import { ModelStackConfigError, modelStackProject } from '../../../src/models/project.js';

const dir = mkdtempSync(join(tmpdir(), 'ms-models-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function write(text: string): string {
  const file = join(dir, `models-${n++}.yml`);
  writeFileSync(file, text);
  return file;
}

/** The error loading `text` and building its stack throws, with the folder stripped. */
async function errorOf(text: string): Promise<{ error: Error & { code?: string }; message: string }> {
  const file = write(text);
  try {
    modelStackProject(await loadModelsFile(file));
  } catch (err) {
    return { error: err as Error, message: (err as Error).message.replaceAll(`${dir}/`, '') };
  }
  throw new Error('expected the models file to be refused');
}

describe('models file errors name file, line, column and option', () => {
  it.each([
    ['a schema problem', 'models:\n  - name: Intent\n', /^models-\d+\.yml:2:11: models\[0\]\.name: use lowercase letters/],
    ['an unknown key, with the closest one', 'models:\n  - name: a\n    flavor: serving\n', /^models-\d+\.yml:3:5: models\[0\]\.flavor: unknown key "flavor"; did you mean "flavour"\?$/],
    ['a host address that is no IP address', 'models: [{name: a}]\nports:\n  hostIp: 999.1.1.1\n', /^models-\d+\.yml:3:11: ports\.hostIp: an IPv4 or IPv6 address/],
    ['a system folder (found while building the stack)', 'models:\n  - name: a\n    code: /etc\n', /^models-\d+\.yml:3:11: models\[0\]\.code: \/etc is a system folder/],
    ['a serving model without modelDir', 'models:\n  - name: a\n    flavour: serving\n', /^models-\d+\.yml:2:5: models\[0\]: model "a": a serving model needs `modelDir`/],
    ['a name used twice', 'models:\n  - name: a\n  - name: a\n', /^models-\d+\.yml:3:11: models\[1\]\.name: the name "a" is used twice/],
    ['host ports past 65535', 'models: [{name: a}, {name: b}]\nports: {jupyter: 65535}\n', /^models-\d+\.yml:2:18: ports\.jupyter: 2 models need host ports 65535 to 65536, past 65535/],
    ['host ports that overlap', 'models: [{name: a}, {name: b}]\nports: {jupyter: 9000, ssh: 9001}\nssh: {insecureRootPassword: pw}\n', /^models-\d+\.yml:2:29: ports\.ssh: host ports 9001-9002 overlap the jupyter ports 9000-9001/],
    ['a NUL character in an image name', 'models:\n  - name: a\n    image: "busy\\0box"\n', /^models-\d+\.yml:3:12: models\[0\]\.image: contains a NUL character/],
  ])('%s', async (_what, text, message) => {
    const { error, message: got } = await errorOf(text);
    expect(error).toBeInstanceOf(ModelStackConfigError);
    expect(got).toMatch(message);
  });

  it('lists every schema problem at once, one per line', async () => {
    const { error, message } = await errorOf('models:\n  - name: Intent\n    flavour: jupiter\n');
    expect((error as ModelStackConfigError).issues).toHaveLength(2);
    expect(message.split('\n')).toEqual([
      '2 problems in the model-stack options:',
      expect.stringMatching(/^ {2}models-\d+\.yml:2:11: models\[0\]\.name: use lowercase letters/),
      expect.stringMatching(/^ {2}models-\d+\.yml:3:14: models\[0\]\.flavour: Invalid option: expected one of "jupyter"\|"serving"$/),
    ]);
  });

  it('an empty models file says what a models file needs, not what a compose file does', async () => {
    const { error, message } = await errorOf('# nothing yet\n');
    expect(error).toBeInstanceOf(ComposeFileError);
    expect(error.code).toBe('MODELS_FILE_EMPTY');
    expect(message).toMatch(/^models-\d+\.yml: the models file is empty; it needs a `models:` list with at least one model/);
    expect(message).not.toContain('services');
  });

  it('a list instead of a mapping says what a models file needs', async () => {
    const { message } = await errorOf('- name: a\n');
    expect(message).toMatch(/^models-\d+\.yml:1:1: a models file must be a mapping \(it needs a `models:` list/);
  });

  it('options given in code name the option alone', () => {
    expect(() => modelStackProject({ workingDir: '/w', models: [{ name: 'a', code: '/etc' }] })).toThrow(/^models\[0\]\.code: \/etc is a system folder/);
  });

  it('relative paths count from the file\'s folder', async () => {
    const options = await loadModelsFile(write('models: [{name: a, code: ./code/a}]\n'));
    expect(options.workingDir).toBe(dir);
    expect(modelStackProject(options).services.a!.volumes![0]).toMatchObject({ type: 'bind', source: join(dir, 'code/a') });
  });
});
