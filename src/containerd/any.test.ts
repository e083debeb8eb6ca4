import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kindOf } from '../lib/index.js';
import {
  RUNC_OPTIONS_TYPE_URL,
  SPEC_TYPE_URL,
  dateToTimestamp,
  decodeAny,
  decodeEvent,
  packJson,
  packProto,
  packRuncOptions,
  timestampToDate,
  unpackJson,
} from './any.js';
import { protoDir } from './protos.js';
import { signalNumber } from './tasks.js';
import type { RuncOptions } from './types.js';

test('protoDir maps dist/src/containerd back to src/containerd/proto', () => {
  assert.equal(protoDir('file:///repo/dist/src/containerd/protos.js'), '/repo/src/containerd/proto');
  assert.equal(protoDir('file:///repo/src/containerd/protos.ts'), '/repo/src/containerd/proto');
});

test('packJson / unpackJson round-trip a runtime spec', () => {
  const spec = { ociVersion: '1.0.2', process: { args: ['sh'] } };
  const any = packJson(SPEC_TYPE_URL, spec);
  assert.equal(any.type_url, 'types.containerd.io/opencontainers/runtime-spec/1/Spec');
  assert.deepEqual(unpackJson(any), spec);
  assert.deepEqual(decodeAny(any), spec);
  assert.equal(kindOf(catching(() => unpackJson({ type_url: SPEC_TYPE_URL, value: Buffer.from('{') }))), 'invalidParameter');
});

test('runc options encode as containerd.runc.v1.Options protobuf', () => {
  const any = packRuncOptions({ binary_name: '/usr/bin/runc', systemd_cgroup: true, io_uid: 1000 });
  assert.equal(any.type_url, RUNC_OPTIONS_TYPE_URL);
  // 4:io_uid varint 1000, then 6:binary_name (length-delimited, 13 bytes), ..., 9:systemd_cgroup
  assert.deepEqual([...any.value.subarray(0, 5)], [0x20, 0xe8, 0x07, 0x32, 13]);
  assert.deepEqual([...any.value.subarray(-2)], [0x48, 1]);
  const back = decodeAny(any) as RuncOptions;
  assert.equal(back.binary_name, '/usr/bin/runc');
  assert.equal(back.systemd_cgroup, true);
  assert.equal(back.io_uid, 1000);
  assert.equal(back.no_pivot_root, false);
  assert.equal(decodeAny({ type_url: 'example.com/Unknown', value: Buffer.alloc(0) }), undefined);
  assert.equal(kindOf(catching(() => packProto('example.Unknown', {}))), 'invalidParameter');
});

test('wire bytes of a TaskExit match the upstream field numbers', () => {
  const any = packProto('containerd.events.TaskExit', { container_id: 'a', id: 'b', pid: 5, exit_status: 3 });
  // 1:container_id "a", 2:id "b", 3:pid 5, 4:exit_status 3
  assert.deepEqual([...any.value], [0x0a, 1, 0x61, 0x12, 1, 0x62, 0x18, 5, 0x20, 3]);
});

test('decodeEvent types task events and keeps other payloads', () => {
  const ts = dateToTimestamp(new Date('2024-05-06T07:08:09.123Z'));
  const exit = decodeEvent({
    timestamp: ts,
    namespace: 'moby',
    topic: '/tasks/exit',
    event: packProto('containerd.events.TaskExit', { container_id: 'c1', id: 'c1', pid: 42, exit_status: 137, exited_at: ts }),
  });
  assert.equal(exit.topic, '/tasks/exit');
  assert.equal(exit.namespace, 'moby');
  assert.equal(exit.timestamp.toISOString(), '2024-05-06T07:08:09.123Z');
  assert.equal(exit.payload.type, 'TaskExit');
  if (exit.payload.type === 'TaskExit') {
    assert.equal(exit.payload.event.container_id, 'c1');
    assert.equal(exit.payload.event.exit_status, 137);
    assert.equal(exit.payload.event.pid, 42);
    assert.equal(timestampToDate(exit.payload.event.exited_at).toISOString(), '2024-05-06T07:08:09.123Z');
  }
  for (const [type, fields] of [
    ['TaskCreate', { container_id: 'c', bundle: '/b', pid: 1, io: { stdin: '/i', stdout: '', stderr: '', terminal: true } }],
    ['TaskStart', { container_id: 'c', pid: 1 }],
    ['TaskDelete', { container_id: 'c', pid: 1, exit_status: 2, id: 'e' }],
    ['TaskOOM', { container_id: 'c' }],
    ['TaskExecAdded', { container_id: 'c', exec_id: 'e' }],
    ['TaskExecStarted', { container_id: 'c', exec_id: 'e', pid: 9 }],
    ['TaskPaused', { container_id: 'c' }],
    ['TaskResumed', { container_id: 'c' }],
  ] as const) {
    const m = decodeEvent({ timestamp: ts, namespace: 'n', topic: '/t', event: packProto(`containerd.events.${type}`, fields) });
    assert.equal(m.payload.type, type);
    const got: Record<string, unknown> = { ...m.payload.event };
    for (const [k, v] of Object.entries(fields)) assert.deepEqual(got[k], v, `${type}.${k}`);
  }
  const other = decodeEvent({
    timestamp: ts,
    namespace: 'n',
    topic: '/images/create',
    event: packProto('containerd.services.images.v1.ImageCreate', { name: 'x', labels: { a: 'b' } }),
  });
  assert.equal(other.payload.type, 'other');
  if (other.payload.type === 'other') {
    assert.equal(other.payload.name, 'ImageCreate');
    assert.deepEqual(other.payload.event, { name: 'x', labels: { a: 'b' } });
  }
  const unknown = decodeEvent({ timestamp: null, namespace: 'n', topic: '/x', event: { type_url: 'a.B', value: Buffer.alloc(0) } });
  assert.deepEqual(unknown.payload, { type: 'other', name: 'B', event: undefined, any: { type_url: 'a.B', value: Buffer.alloc(0) } });
});

test('signal names and numbers', () => {
  assert.equal(signalNumber('SIGTERM'), 15);
  assert.equal(signalNumber('kill'), 9);
  assert.equal(signalNumber(10), 10);
  assert.equal(kindOf(catching(() => signalNumber('NOPE'))), 'invalidParameter');
});

function catching(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}
