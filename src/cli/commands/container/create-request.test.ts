import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeCreateRequest, goMarshal, normalizeCapabilities } from './create-request.js';
import { parseContainerOptions } from './opts.js';
import { defaults } from '../../flags.js';
import { CONTAINER_FLAGS, createOnlyFlags } from './opts.js';

const base = () => defaults([...createOnlyFlags('create'), ...CONTAINER_FLAGS]);

function parse(values: Record<string, unknown>, changed: string[] = []) {
  return parseContainerOptions(
    { ...base(), ...values },
    { changed: new Set(changed), image: 'busybox', args: [], serverOS: 'linux', lookupEnv: () => undefined },
    () => '{}',
  );
}

test("goMarshal: Go's encoding (struct order, sorted maps, HTML escaping, omitted fields)", () => {
  assert.equal(goMarshal({ B: 1, A: undefined, C: new Map([['z', 1], ['a', 2]]) }), '{"B":1,"C":{"a":2,"z":1}}');
  assert.equal(goMarshal({ s: '<a&b>\u2028' }), '{"s":"\\u003ca\\u0026b\\u003e\\u2028"}');
  assert.equal(goMarshal([null, true, 'x']), '[null,true,"x"]');
  // Go sorts map keys as bytes: "10" before "9"
  assert.equal(goMarshal(new Map([['9', 1], ['10', 2]])), '{"10":2,"9":1}');
});

test('normalizeCapabilities: CAP_ prefix, upper case, sorted, unique; nil stays nil', () => {
  assert.deepEqual(normalizeCapabilities(['net_admin', 'SYS_TIME', 'cap_net_admin', 'all']), ['ALL', 'CAP_NET_ADMIN', 'CAP_SYS_TIME']);
  assert.equal(normalizeCapabilities(null), null);
});

test('the create body follows the negotiated API version', () => {
  const c = parse({ macAddress: '92:d0:c6:0a:29:33', kernelMemory: '10m' });
  const v144 = JSON.parse(encodeCreateRequest(c, '1.44')) as Record<string, unknown> & { HostConfig: Record<string, unknown> };
  assert.equal(v144['MacAddress'], undefined, 'the container-wide MAC is dropped from 1.44');
  assert.equal(v144.HostConfig['KernelMemory'], undefined, 'kernel memory is dropped from 1.42');
  const v141 = JSON.parse(encodeCreateRequest(parse({ kernelMemory: '10m' }), '1.41')) as Record<string, unknown> & { HostConfig: Record<string, unknown> };
  assert.equal(v141.HostConfig['KernelMemory'], 10 * 1024 * 1024);
  // compat: --mac-address also lands on the default endpoint, which docker 28 refuses below 1.44
  assert.throws(() => encodeCreateRequest(parse({ macAddress: '92:d0:c6:0a:29:33' }), '1.41'), /"specify mac-address per network" requires API version 1.44/);
  assert.throws(
    () => encodeCreateRequest(parse({ healthStartInterval: '2s' }), '1.43'),
    /^VersionError: "specify health-check start interval" requires API version 1.44, but the Docker daemon API version is 1.43$/,
  );
  assert.throws(() => encodeCreateRequest(parse({ stopTimeout: 3 }, ['stop-timeout']), '1.24'), /"stop timeout" requires API version 1.25/);
  const body = encodeCreateRequest(parse({}), '1.44');
  assert.ok(body.endsWith('}\n'));
  assert.ok(body.startsWith('{"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":true'));
});

test('parse: docker conflicts and defaults', () => {
  assert.throws(() => parse({ rm: true, restart: 'always' }), /conflicting options: cannot specify both --restart and --rm/);
  const it = parse({ interactive: true, tty: true });
  assert.equal(it.config.StdinOnce, true);
  assert.equal(it.config.AttachStdin, true);
  const attachOnlyStdout = parse({ attach: ['stdout'] });
  assert.equal(attachOnlyStdout.config.AttachStderr, false);
  const ep = parse({ entrypoint: '' }, ['entrypoint']);
  assert.deepEqual(ep.config.Entrypoint, ['']);
  const init = parse({ init: false }, ['init']);
  assert.equal(init.hostConfig.Init, false);
  assert.equal(parse({}).hostConfig.Init, undefined);
  const none = parse({ network: ['none'] });
  assert.equal(none.hostConfig.NetworkMode, 'none');
  assert.equal(none.networkingConfig.EndpointsConfig.size, 0);
  assert.throws(() => parse({ network: ['n1', 'host'] }), /cannot attach both user-defined and non-user-defined network-modes/);
  assert.throws(() => parse({ device: ['dev/sda'] }), /dev\/sda is not an absolute path/);
});
