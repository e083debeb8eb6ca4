import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { JSONMessageError, displayJSONMessages, displayJSONMessagesStream, progressString } from './jsonmessage.js';
import { Collector } from './test-helpers.js';

const now = new Date(1795975200_000);

test('progress: bar above 110 columns, counts, time left above 50', () => {
  assert.equal(progressString({}, 200, now), '');
  assert.equal(progressString({ current: 0, total: 0 }, 200, now), '');
  assert.equal(progressString({ current: 2140160 }, 200, now), '  2.14MB');
  assert.equal(progressString({ current: 5, units: 'layers' }, 200, now), '5 layers');
  assert.equal(progressString({ current: 32768, total: 2140160 }, 120, now), '[>                                                  ]  32.77kB/2.14MB');
  assert.equal(progressString({ current: 32768, total: 2140160 }, 110, now), ' 32.77kB/2.14MB');
  assert.equal(progressString({ current: 2140160, total: 2140160 }, 111, now), '[==================================================>]   2.14MB/2.14MB');
  assert.equal(progressString({ current: 3, total: 2 }, 80, now), '      3B');
  assert.equal(progressString({ current: 7, total: 9, units: 'files' }, 80, now), '7/9 files');
  assert.equal(progressString({ current: 9, total: 7, units: 'files' }, 80, now), '9 files');
  assert.equal(progressString({ current: 7, total: 9, hidecounts: true }, 80, now), '');
  // 10 s for 1 of 3 parts: 20 s left; halves round away from zero
  assert.equal(progressString({ current: 1, total: 3, start: 1795975190 }, 80, now), '      1B/3B 20s');
  assert.equal(progressString({ current: 2, total: 3, start: 1795975199 }, 80, new Date(1795975200_000)), '      2B/3B 1s');
  assert.equal(progressString({ current: 1, total: 101, start: 1795975199 }, 80, now), '      1B/101B 1m40s');
  assert.equal(progressString({ current: 1, total: 3, start: 1795975190 }, 50, now), '      1B/3B');
});

test('off a terminal: progress dropped, statuses and streams as lines, ids and times prefixed', async () => {
  const out = new Collector();
  await displayJSONMessages(
    [
      { status: 'Pulling from library/busybox', id: 'latest' },
      { status: 'Downloading', progressDetail: { current: 1, total: 2 }, id: 'a1' },
      { status: 'Already exists', progressDetail: {}, id: 'b2' },
      { status: 'Extracting', progress: '[==>  ]', progressDetail: {}, id: 'a1' },
      { stream: 'Step 1/2 : FROM busybox\n' },
      { stream: ' ---> 6b03d9d8398c\n', id: 'ignored-on-streams' },
      { status: 'Digest: sha256:abc', from: 'busybox' },
    ],
    out,
    { isTerminal: false },
  );
  assert.equal(
    out.text,
    'latest: Pulling from library/busybox\nb2: Already exists\na1: Extracting [==>  ]Step 1/2 : FROM busybox\nignored-on-streams:  ---> 6b03d9d8398c\n(from busybox) Digest: sha256:abc\n',
  );
});

test('on a terminal: one line per id, rewritten in place', async () => {
  const out = new Collector(true);
  await displayJSONMessages(
    [
      { status: 'Downloading', progressDetail: { current: 1, total: 2 }, id: 'a' },
      { status: 'Downloading', progressDetail: { current: 1, total: 4 }, id: 'b' },
      { status: 'Download complete', progressDetail: {}, id: 'a' },
      { status: 'Done' },
    ],
    out,
    { isTerminal: true, width: 80 },
  );
  assert.equal(
    out.text,
    '\n\x1b[1A\x1b[2K\ra: Downloading       1B/2B\r\x1b[1B' +
      '\n\x1b[1A\x1b[2K\rb: Downloading       1B/4B\r\x1b[1B' +
      '\x1b[2A\x1b[2K\ra: Download complete \r\x1b[2B' +
      'Done\n',
  );
});

test('errorDetail ends the display with its message (after restoring the cursor); aux goes to the callback', async () => {
  const out = new Collector(true);
  const aux: unknown[] = [];
  await assert.rejects(
    displayJSONMessages(
      [
        { aux: { ID: 'sha256:x' } },
        { status: 'Pushing', progressDetail: { current: 1, total: 2 }, id: 'l1' },
        { errorDetail: { code: 7, message: 'denied: requested access to the resource is denied' }, error: 'denied', id: 'l1', progressDetail: {} },
        { status: 'never' },
      ],
      out,
      { isTerminal: true, width: 80, onAux: (m) => aux.push(m.aux) },
    ),
    (e: unknown) => e instanceof JSONMessageError && e.message === 'denied: requested access to the resource is denied' && e.code === 7,
  );
  assert.deepEqual(aux, [{ ID: 'sha256:x' }]);
  assert.equal(out.text, '\n\x1b[1A\x1b[2K\rl1: Pushing       1B/2B\r\x1b[1B\x1b[1A\x1b[1B');
});

test('the byte stream: split chunks, \\r\\n separators, exact timeNano; a non-object fails', async () => {
  const utc = new Date(0).getTimezoneOffset() === 0;
  const out = new Collector();
  const body = Readable.from([Buffer.from('{"stream":"Loaded ima'), Buffer.from('ge: busybox:latest\\n"}\r\n{"status":"x","timeNano":17959751634958820'), Buffer.from('78}\r\n')]);
  await displayJSONMessagesStream(body, out, { isTerminal: false });
  if (utc) assert.equal(out.text, 'Loaded image: busybox:latest\n2026-11-29T17:59:23.495882078Z x\n');
  await assert.rejects(displayJSONMessages([[1]], new Collector(), { isTerminal: false }), {
    message: 'json: cannot unmarshal array into Go value of type jsonmessage.JSONMessage',
  });
});
