import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyChanges } from './changes.js';

test('applies Dockerfile changes', () => {
  const c = applyChanges({ Env: ['PATH=/bin'] }, [
    'CMD ["sh"]',
    'ENTRYPOINT /bin/echo hi',
    'ENV A=1 B="two words"',
    'ENV PATH /usr/bin',
    'EXPOSE 80 53/udp',
    'LABEL a=b',
    'USER nobody',
    'WORKDIR /app',
    'WORKDIR sub',
    'VOLUME ["/data"]',
    'STOPSIGNAL SIGINT',
  ]);
  assert.deepEqual(c.Cmd, ['sh']);
  assert.deepEqual(c.Entrypoint, ['/bin/sh', '-c', '/bin/echo hi']);
  assert.deepEqual(c.Env, ['PATH=/usr/bin', 'A=1', 'B=two words']);
  assert.deepEqual(c.ExposedPorts, { '80/tcp': {}, '53/udp': {} });
  assert.deepEqual(c.Labels, { a: 'b' });
  assert.equal(c.User, 'nobody');
  assert.equal(c.WorkingDir, '/app/sub');
  assert.deepEqual(c.Volumes, { '/data': {} });
  assert.equal(c.StopSignal, 'SIGINT');
});

test('ENTRYPOINT drops the inherited Cmd unless a CMD came first (moby dispatchEntrypoint)', () => {
  assert.equal(applyChanges({ Cmd: ['sh'] }, ['ENTRYPOINT ["/bin/sh"]']).Cmd, null);
  assert.deepEqual(applyChanges({ Cmd: ['sh'] }, ['CMD ["x"]', 'ENTRYPOINT ["/bin/sh"]']).Cmd, ['x']);
  assert.deepEqual(applyChanges({ Cmd: ['sh'] }, ['ENTRYPOINT ["/bin/sh"]', 'CMD ["y"]']).Cmd, ['y']);
});

test('refuses instructions import cannot apply', () => {
  assert.throws(() => applyChanges({}, ['RUN echo']), /RUN is not a valid change command/);
  assert.throws(() => applyChanges({}, ['EXPOSE abc']), /invalid containerPort/);
});
