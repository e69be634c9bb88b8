/** The short syntaxes read character by character: ports, volumes, command strings. */
import { describe, expect, it } from 'vitest';
import { isIpAddress, parsePortSpec, PortSyntaxError } from '../../../src/compose/ports.js';
import { ShellWordsError, splitShellWords } from '../../../src/compose/shell-words.js';
import { parseVolumeSpec, VolumeSyntaxError } from '../../../src/compose/volume-spec.js';

describe('parsePortSpec', () => {
  it.each([
    ['80', [{ target: 80, protocol: 'tcp', mode: 'ingress' }]],
    ['0:80', [{ target: 80, published: '0', protocol: 'tcp', mode: 'ingress' }]],
    ['8080:80/UDP', [{ target: 80, published: '8080', protocol: 'udp', mode: 'ingress' }]],
    ['::1:8080:80', [{ target: 80, published: '8080', host_ip: '::1', protocol: 'tcp', mode: 'ingress' }]],
    ['0.0.0.0:53:53/sctp', [{ target: 53, published: '53', host_ip: '0.0.0.0', protocol: 'sctp', mode: 'ingress' }]],
  ])('%s', (spec, expected) => {
    expect(parsePortSpec(spec)).toEqual(expected);
  });
  it.each(['', 'a', '80:', '70000', '1.2.3.4.5:80:80', '300.1.1.1:80:80', '90-80', '1-3:1-2', '[::1:80:80'])('rejects %j', (spec) => {
    expect(() => parsePortSpec(spec)).toThrow(PortSyntaxError);
  });
  it.each([
    ['127.0.0.1', true], ['::', true], ['fe80::1', true], ['2001:db8::ff00:42:8329', true], ['::ffff:1.2.3.4', true],
    ['1.2.3', false], ['12345::', false], ['1::2::3', false], ['g::1', false],
  ] as const)('isIpAddress(%s) = %s', (ip, ok) => {
    expect(isIpAddress(ip)).toBe(ok);
  });
});

describe('parseVolumeSpec', () => {
  it.each([
    ['/data', { type: 'volume', target: '/data', volume: {} }],
    ['db', { type: 'volume', target: 'db', volume: {} }],
    ['a:/work', { type: 'volume', source: 'a', target: '/work', volume: {} }],
    ['./x:/x:ro', { type: 'bind', source: './x', target: '/x', read_only: true, bind: { create_host_path: true } }],
    ['~/x:/x:rw,Z', { type: 'bind', source: '~/x', target: '/x', bind: { selinux: 'Z', create_host_path: true } }],
    ['C:\\data:/data', { type: 'bind', source: 'C:\\data', target: '/data', bind: { create_host_path: true } }],
    ['${DIR}:/x', { type: 'volume', source: '${DIR}', target: '/x', volume: {} }],
    ['${A:-/a:b}:/x', { type: 'volume', source: '${A:-/a:b}', target: '/x', volume: {} }],
    ['v:/x:unknownopt', { type: 'volume', source: 'v', target: '/x', volume: {} }],
  ])('%s', (spec, expected) => {
    expect(parseVolumeSpec(spec)).toEqual(expected);
  });
  it.each(['', 'a::b', 'a:b:c:d'])('rejects %j', (spec) => {
    expect(() => parseVolumeSpec(spec)).toThrow(VolumeSyntaxError);
  });
});

describe('splitShellWords', () => {
  it.each([
    ['echo hello', ['echo', 'hello']],
    ['  spaced \t out\n ', ['spaced', 'out']],
    [`a "b c" 'd e' f\\ g`, ['a', 'b c', 'd e', 'f g']],
    [`"" ''`, ['', '']],
    [`say "it's" 'a "quote"'`, ['say', "it's", 'a "quote"']],
    ['a\\tb a\\nb', ['a\tb', 'a\nb']],
    [`'back\\slash'`, ['back\\slash']],
    ['echo $(date)', ['echo', '$(date)']],
    ['echo `date`', ['echo', '`date`']],
    ['sh -c "a && b | c > d; e"', ['sh', '-c', 'a && b | c > d; e']],
  ])('%j', (line, expected) => {
    expect(splitShellWords(line)).toEqual(expected);
  });
  it.each(['echo "open', "echo 'open", 'echo \\', 'a && b', 'a | b', 'a > b', 'a; b', 'f(x)'])('rejects %j', (line) => {
    expect(() => splitShellWords(line)).toThrow(ShellWordsError);
  });
});
