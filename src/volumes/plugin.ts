/**
 * Docker's volume plugin protocol (moby pkg/plugins and volume/drivers/proxy.go, the "legacy"
 * plugins): a third-party driver serves JSON over HTTP on a unix socket, found by name as
 * `<dir>/<name>.sock` in the plugin directories (Berth's `<exec-root>/plugins`, then Docker's
 * `/run/docker/plugins`). Every call is a POST with a JSON body and the media type
 * `application/vnd.docker.plugins.v1.2+json`:
 *
 *   /Plugin.Activate            null                      {"Implements":["VolumeDriver"]}
 *   /VolumeDriver.Create        {"Name","Opts"}           {"Err"}
 *   /VolumeDriver.Remove        {"Name"}                  {"Err"}
 *   /VolumeDriver.Mount         {"Name","ID"}             {"Mountpoint","Err"}
 *   /VolumeDriver.Unmount       {"Name","ID"}             {"Err"}
 *   /VolumeDriver.Path          {"Name"}                  {"Mountpoint","Err"}
 *   /VolumeDriver.Get           {"Name"}                  {"Volume":{"Name","Mountpoint","CreatedAt","Status"},"Err"}
 *   /VolumeDriver.List          {}                        {"Volumes":[...],"Err"}
 *   /VolumeDriver.Capabilities  {}                        {"Capabilities":{"Scope":"local"|"global"}}
 *
 * A non-empty Err is the call's failure, worded by the plugin.
 */
import http from 'node:http';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { notFound, system, type Ctx } from '../lib/index.js';
import type { DriverVolume, VolumeDriver } from './driver.js';

export const PLUGIN_MEDIA_TYPE = 'application/vnd.docker.plugins.v1.2+json';
const CALL_TIMEOUT_MS = 60_000;

/** One POST to a plugin's socket; resolves with the decoded JSON answer. */
export function pluginCall(socketPath: string, method: string, body: unknown, signal?: AbortSignal): Promise<Record<string, unknown>> {
  const data = Buffer.from(JSON.stringify(body ?? null));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        socketPath,
        method: 'POST',
        path: `/${method}`,
        headers: { Host: 'plugin', 'Content-Type': PLUGIN_MEDIA_TYPE, Accept: PLUGIN_MEDIA_TYPE, 'Content-Length': data.length },
        timeout: CALL_TIMEOUT_MS,
        signal,
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (b: Buffer) => parts.push(b));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8');
          if ((res.statusCode ?? 500) !== 200) {
            // compat: pkg/plugins' wording for a plugin's HTTP error
            return reject(system(`Plugin Error: ${method}, ${text.trim()}`));
          }
          try {
            const v = text.trim() === '' ? {} : (JSON.parse(text) as unknown);
            resolve(v && typeof v === 'object' ? (v as Record<string, unknown>) : {});
          } catch (e) {
            reject(system(`${method}: invalid answer from the plugin: ${(e as Error).message}`, e));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(system(`${method}: the plugin did not answer within ${CALL_TIMEOUT_MS / 1000}s`)));
    req.on('error', reject);
    req.end(data);
  });
}

interface ProxyVolume {
  Name?: string;
  Mountpoint?: string;
  CreatedAt?: string;
  Status?: Record<string, unknown>;
}

/** A volume driver served by a plugin (moby volumeDriverAdapter over volumeDriverProxy). */
export class PluginVolumeDriver implements VolumeDriver {
  scope: 'local' | 'global' = 'local';

  constructor(
    readonly name: string,
    private readonly socketPath: string,
  ) {}

  private async call(ctx: Ctx, method: string, body: unknown): Promise<Record<string, unknown>> {
    const r = await pluginCall(this.socketPath, `VolumeDriver.${method}`, body, ctx.signal);
    if (typeof r['Err'] === 'string' && r['Err'] !== '') throw system(r['Err']);
    return r;
  }

  /** Asks the plugin for its scope (local when it cannot say, as moby). */
  async init(ctx: Ctx): Promise<void> {
    try {
      const r = await this.call(ctx, 'Capabilities', {});
      const scope = String((r['Capabilities'] as { Scope?: string } | undefined)?.Scope ?? '').toLowerCase();
      this.scope = scope === 'global' ? 'global' : 'local';
    } catch {
      this.scope = 'local';
    }
  }

  private view(v: ProxyVolume, name: string): DriverVolume {
    const t = v.CreatedAt ? Date.parse(v.CreatedAt) : NaN;
    return { name: v.Name || name, path: v.Mountpoint ?? '', ...(Number.isFinite(t) && t > 0 ? { createdAtMs: t } : {}), ...(v.Status ? { status: v.Status } : {}) };
  }

  async create(ctx: Ctx, name: string, opts: Readonly<Record<string, string>>): Promise<DriverVolume> {
    await this.call(ctx, 'Create', { Name: name, Opts: Object.keys(opts).length ? opts : null });
    return (await this.get(ctx, name)) ?? { name, path: '' };
  }

  async get(ctx: Ctx, name: string): Promise<DriverVolume | undefined> {
    let r: Record<string, unknown>;
    try {
      r = await this.call(ctx, 'Get', { Name: name });
    } catch {
      return undefined;
    }
    const v = r['Volume'] as ProxyVolume | null | undefined;
    return v ? this.view(v, name) : undefined;
  }

  async list(ctx: Ctx): Promise<DriverVolume[]> {
    const r = await this.call(ctx, 'List', {});
    return ((r['Volumes'] as ProxyVolume[] | null) ?? []).map((v) => this.view(v, v.Name ?? ''));
  }

  async remove(ctx: Ctx, name: string): Promise<void> {
    await this.call(ctx, 'Remove', { Name: name });
  }

  async mount(ctx: Ctx, name: string, ref: string): Promise<string> {
    const r = await this.call(ctx, 'Mount', { Name: name, ID: ref });
    return String(r['Mountpoint'] ?? '');
  }

  async unmount(ctx: Ctx, name: string, ref: string): Promise<void> {
    await this.call(ctx, 'Unmount', { Name: name, ID: ref });
  }
}

/**
 * Finds volume plugins by name in `dirs` (`<dir>/<name>.sock`), activates them once and keeps
 * them. A name that is no plugin, or a plugin that does not implement VolumeDriver, is undefined.
 */
export class VolumePluginRegistry {
  private readonly found = new Map<string, Promise<PluginVolumeDriver | undefined>>();

  constructor(private readonly config: { dirs: readonly string[] }) {}

  /** The driver of plugin `name`, or undefined. */
  lookup(ctx: Ctx, name: string): Promise<PluginVolumeDriver | undefined> {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) return Promise.resolve(undefined);
    let p = this.found.get(name);
    if (!p) {
      p = this.activate(ctx, name);
      this.found.set(name, p);
      // a plugin that was not there (or failed) is looked for again next time
      void p.then((d) => d ?? this.found.delete(name), () => this.found.delete(name));
    }
    return p;
  }

  private async activate(ctx: Ctx, name: string): Promise<PluginVolumeDriver | undefined> {
    for (const dir of this.config.dirs) {
      const sock = join(dir, `${name}.sock`);
      const st = await fs.stat(sock).catch(() => undefined);
      if (!st?.isSocket()) continue;
      const m = await pluginCall(sock, 'Plugin.Activate', null, ctx.signal).catch((e: unknown) => {
        throw notFound(`error looking up volume plugin ${name}: ${(e as Error).message}`, e);
      });
      const impl = Array.isArray(m['Implements']) ? (m['Implements'] as unknown[]) : [];
      if (!impl.includes('VolumeDriver')) return undefined;
      const d = new PluginVolumeDriver(name, sock);
      await d.init(ctx);
      return d;
    }
    return undefined;
  }
}
