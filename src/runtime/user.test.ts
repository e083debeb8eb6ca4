import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kindOf } from '../lib/index.js';
import { additionalGroups, parseGroup, parsePasswd, resolveUser, type ResolvedUser } from './user.js';

const PASSWD = `root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
app:x:1000:1000::/home/app:/bin/sh
1234:x:4321:4321:numeric name:/:/bin/sh
dup:x:2000:2000:first:/:/bin/sh
dup:x:2001:2001:second:/:/bin/sh
`;

const GROUP = `root:x:0:
# a comment
daemon:x:1:
tty:x:5:
wheel:x:10:root
audio:x:29:nobody,app
video:x:44:app
app:x:1000:
nogroup:x:65534:
staff:x:50:
staff2:x:50:
`;

const u = (uid: number, gid: number, ...additionalGids: number[]): ResolvedUser => ({ uid, gid, additionalGids });

// [spec, groupAdd, expected] against PASSWD/GROUP; the expectations follow runc's GetExecUser.
const TABLE: [string, string[], ResolvedUser][] = [
  ['', [], u(0, 0, 0, 10)], // "" is root: its groups by membership (wheel lists root)
  ['root', [], u(0, 0, 0, 10)],
  ['0', [], u(0, 0, 0, 10)],
  ['nobody', [], u(65534, 65534, 65534, 29)],
  ['app', [], u(1000, 1000, 1000, 29, 44)],
  ['1000', [], u(1000, 1000, 1000, 29, 44)], // numeric with an entry: the entry's gid and groups
  ['5000', [], u(5000, 0, 0)], // numeric without an entry: gid 0, no groups
  ['5000:5001', [], u(5000, 5001, 5001)],
  ['nobody:wheel', [], u(65534, 10, 10)], // explicit group: no supplementary groups
  ['nobody:10', [], u(65534, 10, 10)],
  ['nobody:777', [], u(65534, 777, 777)], // numeric group without an entry
  ['root:1234', ['wheel', '10'], u(0, 1234, 1234, 10)], // wheel and 10 are one group
  ['nobody:wheel', ['audio', '4242'], u(65534, 10, 10, 29, 4242)],
  ['1234', [], u(1234, 0, 0)], // a numeric user is always an id, never the name "1234"
  ['dup', [], u(2000, 2000, 2000)], // first match wins
  ['app:staff', [], u(1000, 50, 50)],
];

test('resolveUser follows Docker (runc GetExecUser) for names, ids and groups', () => {
  for (const [spec, add, want] of TABLE) {
    assert.deepEqual(resolveUser(spec, PASSWD, GROUP, add), want, `-u ${JSON.stringify(spec)} --group-add ${add}`);
  }
});

test('resolveUser: a third field is ignored, the second is still the group', () => {
  assert.throws(() => resolveUser('root:x:extra', PASSWD, GROUP), {
    message: 'unable to find group x: no matching entries in group file',
  });
  assert.deepEqual(resolveUser('root:5:extra', PASSWD, GROUP), u(0, 5, 5));
});

test('resolveUser without /etc/passwd or /etc/group: numeric ids only', () => {
  assert.deepEqual(resolveUser('', undefined, undefined), u(0, 0, 0));
  assert.deepEqual(resolveUser('1000:1000', undefined, undefined), u(1000, 1000, 1000));
  assert.deepEqual(resolveUser('1000', undefined, undefined, ['12']), u(1000, 0, 0, 12));
  assert.throws(() => resolveUser('app', undefined, undefined), {
    message: 'unable to find user app: no matching entries in passwd file',
  });
  assert.throws(() => resolveUser('0:wheel', PASSWD, undefined), {
    message: 'unable to find group wheel: no matching entries in group file',
  });
});

test('resolveUser errors carry Docker texts and are invalidParameter', () => {
  const cases: [string, string[], string][] = [
    ['foo', [], 'unable to find user foo: no matching entries in passwd file'],
    ['root:foo', [], 'unable to find group foo: no matching entries in group file'],
    ['root', ['foo'], 'Unable to find group foo: no matching entries in group file'],
    ['99999999999', [], 'uids and gids must be in range 0-2147483647'],
    ['-1', [], 'uids and gids must be in range 0-2147483647'],
    ['0:2147483648', [], 'uids and gids must be in range 0-2147483647'],
    ['0', ['-5'], 'uids and gids must be in range 0-2147483647'],
  ];
  for (const [spec, add, message] of cases) {
    assert.throws(
      () => resolveUser(spec, PASSWD, GROUP, add),
      (e: unknown) => {
        assert.equal((e as Error).message, message);
        assert.equal(kindOf(e), 'invalidParameter');
        return true;
      },
      spec,
    );
  }
});

test('additionalGroups: by name or id, each gid once, a repeated name fails as runc does', () => {
  assert.deepEqual(additionalGroups(['audio', 'video', '29', '4242', '4242'], GROUP), [29, 44, 4242]);
  // "staff" and "staff2" share gid 50: the second name finds its only match taken, and runc
  // then tries it as a number.
  assert.throws(() => additionalGroups(['staff', 'staff2'], GROUP), {
    message: 'Unable to find group staff2: no matching entries in group file',
  });
});

test('passwd and group parsing: blank lines, comments (group only), odd fields', () => {
  const pw = parsePasswd('\n  root:x:0:0:root:/root:/bin/sh  \n#c:x:1:1\nodd:x:abc:\nshort\n');
  assert.deepEqual(
    pw.map((p) => [p.name, p.uid, p.gid]),
    [['root', 0, 0], ['#c', 1, 1], ['odd', 0, 0], ['short', 0, 0]],
  );
  const gr = parseGroup('a:x:1:\n#b:x:2:\n\n c:x:3:u1,u2 \n');
  assert.deepEqual(gr, [
    { name: 'a', gid: 1, members: [] },
    { name: 'c', gid: 3, members: ['u1', 'u2'] },
  ]);
});
