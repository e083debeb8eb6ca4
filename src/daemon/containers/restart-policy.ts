/**
 * Docker's restart manager (moby restartmanager): whether an exited container restarts, and
 * after what delay. The delay starts at 100 ms and doubles on each consecutive restart, up to
 * one minute; a container that ran 10 s or more resets it.
 */
import { invalidParameter } from '../../lib/index.js';

export type PolicyName = 'no' | 'always' | 'unless-stopped' | 'on-failure';

export interface Policy {
  name: PolicyName;
  maximumRetryCount: number;
}

const BACKOFF_START_MS = 100;
const BACKOFF_MAX_MS = 60_000;
const RESET_AFTER_MS = 10_000;

/** Validates HostConfig.RestartPolicy with Docker's wording. */
export function parsePolicy(p: { Name?: string; MaximumRetryCount?: number } | undefined, autoRemove: boolean): Policy {
  const name = (p?.Name || 'no') as PolicyName;
  const max = p?.MaximumRetryCount ?? 0;
  if (!['no', 'always', 'unless-stopped', 'on-failure'].includes(name)) {
    throw invalidParameter(`invalid restart policy: unknown policy '${name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`);
  }
  if (max < 0) throw invalidParameter('invalid restart policy: maximum retry count must be a positive integer');
  if (name !== 'on-failure' && max !== 0) {
    throw invalidParameter(`invalid restart policy: maximum retry count can only be used with 'on-failure'`);
  }
  if (autoRemove && name !== 'no') {
    throw invalidParameter("conflicting options: cannot specify both --restart and --rm");
  }
  return { name, maximumRetryCount: max };
}

export class RestartManager {
  private delay = 0;
  private count = 0;

  constructor(private policy: Policy) {}

  setPolicy(p: Policy): void {
    this.policy = p;
  }

  /** Consecutive restarts so far (RestartCount). */
  get restarts(): number {
    return this.count;
  }

  /**
   * Whether to restart after an exit, and the delay. `ranMs`: how long the container ran;
   * `manuallyStopped`: docker stop/kill by the user; `daemonShutdown`: berthd is stopping.
   */
  next(exitCode: number, ranMs: number, manuallyStopped: boolean, daemonShutdown = false): { restart: boolean; delayMs: number } {
    if (ranMs >= RESET_AFTER_MS) this.delay = 0;
    let restart = false;
    if (!manuallyStopped && !daemonShutdown) {
      switch (this.policy.name) {
        case 'always':
        case 'unless-stopped':
          restart = true;
          break;
        case 'on-failure':
          restart = exitCode !== 0 && (this.policy.maximumRetryCount === 0 || this.count < this.policy.maximumRetryCount);
          break;
        default:
          restart = false;
      }
    }
    if (!restart) return { restart: false, delayMs: 0 };
    this.delay = this.delay === 0 ? BACKOFF_START_MS : Math.min(this.delay * 2, BACKOFF_MAX_MS);
    this.count++;
    return { restart: true, delayMs: this.delay };
  }

  /** After a manual start the count and back-off start over. */
  reset(): void {
    this.delay = 0;
    this.count = 0;
  }
}
