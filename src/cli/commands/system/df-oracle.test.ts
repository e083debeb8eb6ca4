/**
 * `system df` against docker 28.2.2 as the oracle: testdata/df-oracle.golden holds what the
 * real docker CLI printed and requested for each case of df-oracle-cases.ts
 * (df-record-goldens.ts); berth runs the same cases in-process against the same fake engine,
 * with the recorded clock, and must print the same bytes (docker's name swapped for ours), exit
 * the same way and send the same requests.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeEngine, parseGolden, runCli } from '../../test-helpers.js';
import { describeRequest } from '../image/oracle-cases.js';
import { comparable } from '../image/oracle-format.js';
import { CASES, TESTDATA } from './df-oracle-cases.js';

// The goldens were recorded in UTC: run in UTC whatever the machine's zone (node re-reads TZ).
process.env['TZ'] = 'UTC';
const recorded = parseGolden(readFileSync(join(TESTDATA, 'df-oracle.golden'), 'utf8'));
const byName = new Map(CASES.map((c) => [c.name, c]));

/** docker's name in its own messages ("Run 'docker system df --help'"). */
const asBerth = (s: string) => s.replace(/\bdocker(?=[ ':])/g, 'berth');

describe('system df prints and sends what docker 28 does', () => {
  const engine = new FakeEngine();
  before(() => engine.listen());
  after(() => engine.close());

  test('every case has a recording', () => {
    assert.deepEqual(
      CASES.map((c) => c.name),
      recorded.map((r) => r.name),
      'run df-record-goldens.js after changing df-oracle-cases.ts',
    );
  });

  for (const rec of recorded) {
    const c = byName.get(rec.name);
    if (!c) continue;
    test(rec.name, async () => {
      const s = rec.sections;
      engine.reset();
      const now = Number(s['now']);
      c.setup(engine, now);
      const r = await runCli(c.args, { host: engine.host, now: new Date(now) });
      const norm = (t: string) => t.replaceAll(engine.socket, '$SOCKET');
      const [wantOut, gotOut] = comparable(s, 'stdout', norm(r.stdout));
      assert.equal(gotOut, asBerth(wantOut), 'stdout');
      const [wantErr, gotErr] = comparable(s, 'stderr', norm(r.stderr));
      assert.equal(gotErr, asBerth(wantErr), 'stderr');
      assert.equal(String(r.code), s['exit'], 'exit code');
      assert.equal(engine.seen.filter((q) => q.path !== '/_ping').map(describeRequest).join('\n'), s['requests'], 'requests');
    });
  }
});
