/**
 * The layouts of `ls`, `images` and `top` from fixed data: Go's tabwriter
 * as Docker and Compose use it (worked out by hand from its rules: a cell
 * is a column cell only when a tab ends it, a line without a tab ends the
 * columns above it), go-units' sizes and Compose's `ls` status.
 * test/integration/compose-v2/interop.test.ts compares the real outputs
 * with Compose v2's, byte for byte.
 */
import { describe, expect, it } from 'vitest';
import { combinedStatus, humanSize, imagesTable } from '../../../src/cli/commands/overview.js';
import { tabwrite } from '../../../src/cli/tabwriter.js';

const pad = (text: string, width: number) => text + ' '.repeat(width - [...text].length);

describe('tabwrite (Go text/tabwriter, space padding)', () => {
  it.each([
    {
      name: 'a table of three columns: width max(minWidth, widest + padding); the last cell is not padded',
      text: 'NAME\tSTATUS\tCONFIG FILES\nshop\trunning(2)\t/srv/shop/compose.yaml\n',
      min: 20,
      padding: 3,
      want: `${pad('NAME', 20)}${pad('STATUS', 20)}CONFIG FILES\n${pad('shop', 20)}${pad('running(2)', 20)}/srv/shop/compose.yaml\n`,
    },
    {
      name: 'top: rows end in a tab, so their last column is padded and the header\'s is not; the empty line flushes',
      text: 'UID\tPID\tCMD\nroot\t1\tsleep 3600\t\nroot\t22\tsh\t\n\n',
      min: 5,
      padding: 3,
      want: `${pad('UID', 7)}${pad('PID', 6)}CMD\n${pad('root', 7)}${pad('1', 6)}${pad('sleep 3600', 13)}\n${pad('root', 7)}${pad('22', 6)}${pad('sh', 13)}\n\n`,
    },
    {
      name: 'a line without a tab ends the columns above it',
      text: 'a\tb\n-\nlonger\tc\n',
      min: 1,
      padding: 1,
      want: 'a b\n-\nlonger c\n',
    },
    {
      name: 'widths count characters, not bytes',
      text: 'é\tx\nab\ty\n',
      min: 0,
      padding: 1,
      want: 'é  x\nab y\n',
    },
    {
      name: 'an empty last cell leaves the padding of the cell before it',
      text: 'NAME\tPORTS\nweb\t\n',
      min: 10,
      padding: 3,
      want: `${pad('NAME', 10)}PORTS\n${pad('web', 10)}\n`,
    },
    {
      name: 'no newline at the end: none is added',
      text: 'a\tb',
      min: 0,
      padding: 1,
      want: 'a b',
    },
  ])('$name', ({ text, min, padding, want }) => {
    expect(tabwrite(text, min, padding)).toBe(want);
  });
});

describe('humanSize (go-units HumanSizeWithPrecision, 3 digits)', () => {
  it.each([
    [0, '0B'],
    [999, '999B'],
    [1000, '1kB'],
    [4_261_550, '4.26MB'],
    [1_500_000, '1.5MB'],
    [2_000_000_000, '2GB'],
    [999_999, '1e+03kB'],
    [123_456_789, '123MB'],
  ])('%d bytes → %s', (bytes, want) => {
    expect(humanSize(bytes)).toBe(want);
  });
});

describe('combinedStatus (docker compose ls)', () => {
  it.each([
    [{ running: 3 }, 'running(3)'],
    [{ running: 2, exited: 1 }, 'exited(1), running(2)'],
    [{ restarting: 1, paused: 1, created: 2 }, 'created(2), paused(1), restarting(1)'],
    [{}, ''],
  ])('%j → %s', (states, want) => {
    expect(combinedStatus(states)).toBe(want);
  });
});

describe('imagesTable (docker compose images, v2.26)', () => {
  it('cuts the id to 12 characters, prints <none> for an untagged image, sizes in decimal units', () => {
    const id = `sha256:${'0123456789ab'.repeat(5)}cdef`;
    const text = imagesTable([
      { service: 'web', container: 'shop-web-1', id, repository: 'modelstack-test/busybox', tag: 'latest', size: 4_261_550 },
      { service: 'db', container: 'shop-db-1', id, repository: '', tag: '', size: 999 },
    ]);
    expect(text).toBe(
      [
        `${pad('CONTAINER', 20)}${pad('REPOSITORY', 26)}${pad('TAG', 20)}${pad('IMAGE ID', 20)}SIZE`,
        `${pad('shop-web-1', 20)}${pad('modelstack-test/busybox', 26)}${pad('latest', 20)}${pad('0123456789ab', 20)}4.26MB`,
        `${pad('shop-db-1', 20)}${pad('<none>', 26)}${pad('<none>', 20)}${pad('0123456789ab', 20)}999B`,
        '',
      ].join('\n'),
    );
  });
});
