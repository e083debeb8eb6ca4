import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ImageRuntimeConfig } from '../oci/index.js';
import { parseDockerfile } from './dockerfile/parser.js';
import { processWord, processWords } from './dockerfile/shell.js';
import { applyConfigInstruction, fmtDur } from './instructions.js';

/** Applies each line of `text` in order; returns the config and the history texts. */
function apply(text: string, start: ImageRuntimeConfig = {}) {
  const c = structuredClone(start);
  const comments: string[] = [];
  let cmdSet = false;
  const env = new Map([['V', 'val']]);
  for (const ins of parseDockerfile(text).instructions) {
    const r = applyConfigInstruction(c, ins, {
      word: (w) => processWord(w, env),
      words: (w) => processWords(w, env),
      fail: (m) => new Error(`line ${ins.line}: ${m}`),
      flag: (name) => ins.flags.map((f) => /^--([^=]+)=?(.*)$/.exec(f)!).find((m) => m[1] === name)?.[2],
      cmdSet,
    });
    if (!r) throw new Error(`not a config instruction: ${ins.cmd}`);
    if (r.cmdSet) cmdSet = true;
    comments.push(r.comment);
  }
  return { c, comments };
}

test('config instructions and their #(nop) texts', () => {
  const { c, comments } = apply(
    'ENV A=1 B="x y"\nLABEL k=$V\nWORKDIR /a\nWORKDIR b/../c\nUSER app\nEXPOSE 80/UDP 81-82\nVOLUME /v $V\nCMD echo hi\nENTRYPOINT ["/e"]\nSTOPSIGNAL 9\nSHELL ["/bin/bash", "-c"]\nONBUILD RUN x\nHEALTHCHECK --interval=1m30s --timeout=500ms CMD ["true"]\n',
    { Env: ['A=0'], Cmd: ['base'] },
  );
  assert.deepEqual(c.Env, ['A=1', 'B=x y']);
  assert.deepEqual(c.Labels, { k: 'val' });
  assert.equal(c.WorkingDir, '/a/c');
  assert.deepEqual(c.ExposedPorts, { '80/udp': {}, '81/tcp': {}, '82/tcp': {} });
  assert.deepEqual(c.Volumes, { '/v': {}, val: {} });
  // A CMD given in the stage survives a later ENTRYPOINT.
  assert.deepEqual(c.Cmd, ['/bin/sh', '-c', 'echo hi']);
  assert.deepEqual(c.Entrypoint, ['/e']);
  assert.deepEqual(c.Healthcheck, { Test: ['CMD', 'true'], Interval: 90e9, Timeout: 500e6 });
  assert.deepEqual(comments, [
    'ENV A=1 B=x y',
    'LABEL k=val',
    'WORKDIR /a',
    'WORKDIR /a/c',
    'USER app',
    'EXPOSE map[80/udp:{} 81/tcp:{} 82/tcp:{}]',
    'VOLUME [/v val]',
    'CMD ["/bin/sh" "-c" "echo hi"]',
    'ENTRYPOINT ["/e"]',
    'STOPSIGNAL 9',
    'SHELL ["/bin/bash" "-c"]',
    'ONBUILD RUN x',
    `HEALTHCHECK &{["CMD" "true"] "1m30s" "500ms" "0s" "0s" '\\x00'}`,
  ]);
  // Without a CMD in the stage, ENTRYPOINT drops the inherited one.
  assert.equal(apply('ENTRYPOINT ["/e"]\n', { Cmd: ['base'] }).c.Cmd, null);
});

test('config instructions: Docker errors', () => {
  assert.throws(() => apply('EXPOSE abc\n'), /line 1: Invalid containerPort: abc/);
  assert.throws(() => apply('HEALTHCHECK --interval=5 CMD true\n'), /time: invalid duration "5"/);
  assert.throws(() => apply('HEALTHCHECK --retries=0 CMD true\n'), /--retries cannot be 0/);
  assert.throws(() => apply('HEALTHCHECK WHAT\n'), /Unknown type "WHAT" in HEALTHCHECK/);
  assert.throws(() => apply('VOLUME ""\n'), /VOLUME specified can not be an empty string/);
  assert.equal(fmtDur(undefined), '0s');
  assert.equal(fmtDur(3_600e9), '1h0m0s');
  assert.equal(fmtDur(90e9), '1m30s');
  assert.equal(fmtDur(5e9), '5s');
});
