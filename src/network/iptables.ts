/**
 * The one wrapper of iptables (STYLE D7). Reads go through `iptables-save` (parsed by
 * rules.ts), writes through one `iptables-restore --noflush` per change, which the kernel
 * applies per table as one transaction: a batch of rules lands whole or not at all.
 * Calls are serialised in-process; `-w` waits for other programs holding the xtables lock.
 */
import { KeyedMutex, type Ctx, type Exec } from '../lib/index.js';
import { parseSave, type Saved } from './rules.js';

export interface IptablesBinaries {
  iptables: string;
  save: string;
  restore: string;
}

const TIMEOUT_MS = 30_000;

export class Iptables {
  private readonly mutex = new KeyedMutex();
  private readonly lock = { run: <T>(fn: () => Promise<T>) => this.mutex.run('iptables', fn) };

  constructor(
    private readonly exec: Exec,
    readonly bins: IptablesBinaries = { iptables: 'iptables', save: 'iptables-save', restore: 'iptables-restore' },
  ) {}

  /** The filter and nat tables as they are now. */
  async save(ctx: Ctx): Promise<Saved> {
    return this.lock.run(async () => {
      const [filter, nat] = await Promise.all([
        this.exec.run(ctx, this.bins.save, ['-t', 'filter'], { timeoutMs: TIMEOUT_MS }),
        this.exec.run(ctx, this.bins.save, ['-t', 'nat'], { timeoutMs: TIMEOUT_MS }),
      ]);
      return parseSave(filter.stdout + nat.stdout);
    });
  }

  /** Applies an iptables-restore script without flushing anything it does not name. */
  async restore(ctx: Ctx, script: string): Promise<void> {
    if (!script) return;
    await this.lock.run(() => this.exec.run(ctx, this.bins.restore, ['-w', '--noflush'], { input: script, timeoutMs: TIMEOUT_MS }));
  }

  /** Sets a built-in chain's policy (`-P FORWARD DROP`). */
  async policy(ctx: Ctx, table: string, chain: string, target: string): Promise<void> {
    await this.lock.run(() => this.exec.run(ctx, this.bins.iptables, ['-w', '-t', table, '-P', chain, target], { timeoutMs: TIMEOUT_MS }));
  }
}
