/**
 * The image commands against docker 28.2.2 as the oracle: testdata/oracle.golden holds what the
 * real docker CLI printed and requested for each case of oracle-cases.ts (record-goldens.ts);
 * here berth runs the same cases in-process against the same fake engine, with the recorded
 * clock, and must print the same bytes (docker's name swapped for ours), exit the same way and
 * send the same requests (query, body, Content-Type and framing).
 *
 * docker lists an image's repositories in Go map order (random), so list outputs are compared
 * line by line as sets after the header; list-order.test.ts checks our own order. On a terminal
 * (script(1)) docker's stdout and stderr are one stream, so they are compared joined.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeEngine, parseGolden, runCli } from '../../test-helpers.js';
import { CASES, TESTDATA, describeRequest } from './oracle-cases.js';
import { comparable } from './oracle-format.js';

const utc = new Date(0).getTimezoneOffset() === 0 && new Date(Date.UTC(2026, 6, 1)).getTimezoneOffset() === 0;
const recorded = parseGolden(readFileSync(join(TESTDATA, 'oracle.golden'), 'utf8'));
const byName = new Map(CASES.map((c) => [c.name, c]));

/** docker's name in its own messages ("docker: 'docker images' requires…", "Run 'docker tag --help'"). */
const asBerth = (s: string) => s.replace(/\bdocker(?=[ ':])/g, 'berth');

/** List outputs: the header line, then the other lines sorted. */
const unordered = (s: string) => {
  const lines = s.split('\n');
  return [lines[0], ...lines.slice(1).sort()].join('\n');
};

describe('image commands print and send what docker 28 does', () => {
  const engine = new FakeEngine();
  before(() => engine.listen());
  after(() => engine.close());

  test('every case has a recording', () => {
    assert.deepEqual(
      CASES.map((c) => c.name),
      recorded.map((r) => r.name),
      'run record-goldens.js after changing oracle-cases.ts',
    );
  });

  for (const rec of recorded) {
    const c = byName.get(rec.name);
    if (!c) continue;
    test(rec.name, { skip: c.tz && !utc && 'needs TZ=UTC' }, async () => {
      const s = rec.sections;
      const dir = mkdtempSync(join(tmpdir(), 'berth-oracle-'));
      try {
        for (const [name, content] of Object.entries(c.files ?? {})) writeFileSync(join(dir, name), content);
        engine.reset();
        const now = Number(s['now']);
        c.setup?.(engine, now);
        const r = await runCli(
          c.args.map((a) => a.replaceAll('$DIR', dir)),
          { host: engine.host, now: new Date(now), stdin: c.stdin, stdinTTY: c.tty, stdoutTTY: c.tty, columns: c.tty ? 120 : undefined },
        );
        const norm = (t: string) => t.replaceAll(dir, '$DIR').replaceAll(engine.socket, '$SOCKET');
        const isList = c.args.includes('images') || (c.args[0] === 'image' && ['ls', 'list'].includes(c.args[1]!));
        const shape = isList ? unordered : (t: string) => t;
        const stdout = norm(c.tty ? r.out.toString('utf8') + r.stderr : r.stdout);
        const [wantOut, gotOut] = comparable(s, 'stdout', stdout);
        assert.equal(shape(gotOut), shape(asBerth(wantOut)), 'stdout');
        const [wantErr, gotErr] = comparable(s, 'stderr', c.tty ? '' : norm(r.stderr));
        assert.equal(gotErr, asBerth(wantErr), 'stderr');
        assert.equal(String(r.code), s['exit'], 'exit code');
        assert.equal(engine.seen.filter((q) => q.path !== '/_ping').map(describeRequest).join('\n'), s['requests'], 'requests');
        const files = (c.outputs ?? []).map((name) => {
          const p = join(dir, name);
          if (!existsSync(p)) return `${name} absent`;
          const data = readFileSync(p);
          return `${name} ${data.length}B sha256:${createHash('sha256').update(data).digest('hex').slice(0, 12)}`;
        });
        const leftovers = readdirSync(dir).filter((n) => !(n in (c.files ?? {})) && !(c.outputs ?? []).includes(n));
        if (leftovers.length) files.push(`leftovers: ${leftovers.join(' ')}`);
        assert.equal(files.join('\n'), s['files'], 'files');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
