/**
 * SIGHUP configuration reload (moby daemon/reload.go): re-reads daemon.json and applies the keys
 * that can change while running. The daemon then emits a `daemon reload` event whose attributes
 * carry the effective values, as Docker's does.
 */
import type { DaemonConfig } from './config.js';

/** The options dockerd reloads without a restart. */
const RELOADABLE = [
  'debug',
  'logLevel',
  'labels',
  'insecureRegistries',
  'registryMirrors',
  'liveRestore',
  'maxConcurrentDownloads',
  'maxConcurrentUploads',
  'shutdownTimeout',
  'defaultRuntime',
  'runtimes',
] as const;

/** Copies the reloadable values of `next` into `current`; returns the event attributes. */
export function applyReload(current: DaemonConfig, next: DaemonConfig, name: string): Record<string, string> {
  for (const k of RELOADABLE) (current as unknown as Record<string, unknown>)[k] = next[k];
  return {
    debug: String(current.debug),
    'default-runtime': current.defaultRuntime,
    'insecure-registries': `[${current.insecureRegistries.join(' ')}]`,
    labels: `[${current.labels.join(' ')}]`,
    'live-restore': String(current.liveRestore),
    'max-concurrent-downloads': String(current.maxConcurrentDownloads),
    'max-concurrent-uploads': String(current.maxConcurrentUploads),
    name,
    'registry-mirrors': `[${current.registryMirrors.join(' ')}]`,
    runtimes: Object.keys(current.runtimes).concat('runc').sort().join(', '),
    'shutdown-timeout': String(current.shutdownTimeout),
  };
}
