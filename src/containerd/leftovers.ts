/**
 * What a containerd cut short can leave behind: task bundles it no longer lists and shims it
 * lost track of (found from their argv in /proc). ContainerdSupervisor.recoverInterruptedTasks
 * clears them. Also the process checks both need.
 */
import { promises as fs } from 'node:fs';
import { basename, join } from 'node:path';
import { readFileSync } from 'node:fs';

/** containerd 1.6's runtime v2 keeps a task's bundle in <state>/io.containerd.runtime.v2.task/<namespace>/<id>. */
export const TASK_BUNDLES = 'io.containerd.runtime.v2.task';

/**
 * The task bundles under containerd's `state` directory whose task containerd does not list
 * (`tasksOf(namespace)` gives the IDs it does).
 */
export async function orphanTaskBundles(
  state: string,
  tasksOf: (namespace: string) => Promise<string[]>,
): Promise<{ namespace: string; id: string }[]> {
  const out: { namespace: string; id: string }[] = [];
  const root = join(state, TASK_BUNDLES);
  const namespaces = await fs.readdir(root).catch(() => [] as string[]);
  for (const namespace of namespaces) {
    const bundles = await fs.readdir(join(root, namespace)).catch(() => [] as string[]);
    if (bundles.length === 0) continue;
    const tasks = new Set(await tasksOf(namespace));
    for (const id of bundles) if (!tasks.has(id)) out.push({ namespace, id });
  }
  return out;
}

/**
 * A runtime v2 shim's identity from its argv, as containerd 1.6 starts it:
 * `containerd-shim-<runtime> -namespace <ns> -id <id> -address <containerd socket> [-debug]`.
 */
export function parseShimArgv(argv: readonly string[]): { namespace: string; id: string; address: string } | undefined {
  if (!basename(argv[0] ?? '').startsWith('containerd-shim')) return undefined;
  const flag = (name: string) => {
    const i = argv.indexOf(name);
    return i > 0 ? argv[i + 1] : undefined;
  };
  const namespace = flag('-namespace');
  const id = flag('-id');
  const address = flag('-address');
  return namespace && id && address ? { namespace, id, address } : undefined;
}

/** The running runtime v2 shims (from /proc). */
export async function shimProcesses(): Promise<{ pid: number; shim: NonNullable<ReturnType<typeof parseShimArgv>> }[]> {
  const out: { pid: number; shim: NonNullable<ReturnType<typeof parseShimArgv>> }[] = [];
  for (const name of await fs.readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(name)) continue;
    const argv = await fs.readFile(`/proc/${name}/cmdline`, 'utf8').then((c) => c.split('\0').filter(Boolean), () => []);
    const shim = parseShimArgv(argv);
    if (shim && isAlive(Number(name))) out.push({ pid: Number(name), shim });
  }
  return out;
}

export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/** Alive and not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S ..."; comm may contain spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true;
  }
}
