import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, type Ctx } from '../lib/index.js';
import { HostFirewall, type FirewallState } from './firewall.js';
import { parseSave, type Saved } from './rules.js';

const ctx: Ctx = { signal: new AbortController().signal, log: createLogger({ level: 'error' }) };
const EMPTY = '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\nCOMMIT\n';

/** An iptables whose saves and restores are recorded; a restore takes `delayMs`. */
function fakeIptables(delayMs = 0, onSave: () => void = () => {}) {
  const log: string[] = [];
  return {
    log,
    async save(): Promise<Saved> {
      log.push('save');
      onSave();
      return parseSave(EMPTY);
    },
    async restore(_c: Ctx, script: string): Promise<void> {
      log.push(`restore ${script.includes('--dport 53') ? 'accept' : 'drop-only'}`);
      await new Promise((r) => setTimeout(r, delayMs));
      log.push('restored');
    },
  };
}

test('HostFirewall: off writes nothing; on, the state is taken under the lock, so reconciliations apply in order', async () => {
  let state: FirewallState = { bridges: [], forwards: [], links: [{ ifHost: 'bdns1111111', hostIp: '169.254.64.10' }] };
  const off = fakeIptables();
  await new HostFirewall({ iptables: off, log: ctx.log, state: () => state }, { enabled: false, prefix: 'BERTH', userlandProxy: true }).reconcile(ctx);
  assert.deepEqual(off.log, []);

  let second: Promise<void> | undefined;
  const ipt = fakeIptables(20, () => {
    if (second) return;
    // the listener comes up while the first reconciliation runs: the second one sees it, and
    // lands after the first (not before, where the first would take its ACCEPT back)
    state = { ...state, links: [{ ifHost: 'bdns1111111', hostIp: '169.254.64.10', port: 53 }] };
    second = fw.reconcile(ctx);
  });
  const fw = new HostFirewall({ iptables: ipt, log: ctx.log, state: () => state }, { enabled: true, prefix: 'BERTH', userlandProxy: true });
  await fw.reconcile(ctx);
  await second;
  assert.deepEqual(ipt.log, ['save', 'restore drop-only', 'restored', 'save', 'restore accept', 'restored']);
});
