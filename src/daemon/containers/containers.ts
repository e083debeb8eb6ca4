/** ContainersService: the verb files behind one object (the API's ContainersBackend). */
import type { Readable } from 'node:stream';
import type { Filters, Ctx } from '../../lib/index.js';
import type { ContainerCreateRequest, EndpointSettings, ExecConfig } from '../../api/types/index.js';
import { ContainersServiceBase } from './service.js';
import { createContainer } from './create.js';
import { killContainer, pauseContainer, restartContainer, startContainer, stopContainer, unpauseContainer } from './lifecycle.js';
import { pruneContainers, removeContainer } from './remove.js';
import { inspectContainer, listContainers, renameContainer, topContainer, waitContainer } from './query.js';
import { attachContainer, containerLogs, execCreate, execInspect, execResize, execStart, resizeContainer } from './io.js';
import { detachAll, restoreContainers, watchExits } from './restore.js';
import { archivePath, extractToDir, statPath, type ExtractOptions } from './archive.js';
import { containerChanges } from './changes.js';
import { exportContainer } from './export.js';
import { commitContainer, type CommitRequest } from './commit.js';
import { containerStats } from './stats.js';
import { updateContainer, type UpdateConfig } from './update.js';
import { connectNetwork, disconnectNetwork } from './connect.js';
import { volumeUsers } from './mounts.js';

export class ContainersService extends ContainersServiceBase {
  create = (ctx: Ctx, name: string, req: ContainerCreateRequest) => createContainer(this, ctx, name, req);
  list = (ctx: Ctx, opts: { all: boolean; limit: number; size: boolean; filters: Filters }) => listContainers(this, ctx, opts);
  inspect = (ctx: Ctx, id: string, o: { size: boolean } = { size: false }) => inspectContainer(this, ctx, id, o);
  start = (ctx: Ctx, id: string) => startContainer(this, ctx, id);
  stop = (ctx: Ctx, id: string, o: { timeout?: number; signal?: string }) => stopContainer(this, ctx, id, o);
  restart = (ctx: Ctx, id: string, o: { timeout?: number; signal?: string }) => restartContainer(this, ctx, id, o);
  kill = (ctx: Ctx, id: string, signal: string) => killContainer(this, ctx, id, signal);
  remove = (ctx: Ctx, id: string, o: { force: boolean; volumes: boolean }) => removeContainer(this, ctx, id, o);
  pause = (ctx: Ctx, id: string) => pauseContainer(this, ctx, id);
  unpause = (ctx: Ctx, id: string) => unpauseContainer(this, ctx, id);
  rename = (ctx: Ctx, id: string, name: string) => renameContainer(this, ctx, id, name);
  resize = (ctx: Ctx, id: string, h: number, w: number) => resizeContainer(this, ctx, id, h, w);
  wait = (ctx: Ctx, id: string, c: 'not-running' | 'next-exit' | 'removed') => waitContainer(this, ctx, id, c);
  attach = (ctx: Ctx, id: string, o: Parameters<typeof attachContainer>[3]) => attachContainer(this, ctx, id, o);
  logs = (ctx: Ctx, id: string, o: Parameters<typeof containerLogs>[3]) => containerLogs(this, ctx, id, o);
  top = (ctx: Ctx, id: string, psArgs: string) => topContainer(this, ctx, id, psArgs);
  prune = (ctx: Ctx, f: Filters) => pruneContainers(this, ctx, f);
  execCreate = (ctx: Ctx, id: string, cfg: ExecConfig) => execCreate(this, ctx, id, cfg);
  execStart = (ctx: Ctx, id: string, o: { detach: boolean }) => execStart(this, ctx, id, o);
  execResize = (ctx: Ctx, id: string, h: number, w: number) => execResize(this, ctx, id, h, w);
  execInspect = async (_ctx: Ctx, id: string) => execInspect(this, id);
  stats = (ctx: Ctx, id: string, o: { stream: boolean; oneShot: boolean }) => containerStats(this, ctx, id, o);
  update = (ctx: Ctx, id: string, body: UpdateConfig) => updateContainer(this, ctx, id, body);
  restore = (ctx: Ctx) => restoreContainers(this, ctx);
  watchExits = (ctx: Ctx) => watchExits(this, ctx);
  shutdown = () => detachAll(this);
  statPath = (ctx: Ctx, id: string, path: string) => statPath(this, ctx, id, path);
  archivePath = (ctx: Ctx, id: string, path: string) => archivePath(this, ctx, id, path);
  extractToDir = (ctx: Ctx, id: string, path: string, o: ExtractOptions, body: Readable) => extractToDir(this, ctx, id, path, o, body);
  changes = (ctx: Ctx, id: string) => containerChanges(this, ctx, id);
  exportContainer = (ctx: Ctx, id: string) => exportContainer(this, ctx, id);
  commit = (ctx: Ctx, req: CommitRequest) => commitContainer(this, ctx, req);
  connectNetwork = (ctx: Ctx, id: string, net: string, cfg: EndpointSettings | undefined) => connectNetwork(this, ctx, id, net, cfg);
  disconnectNetwork = (ctx: Ctx, id: string, net: string, force: boolean) => disconnectNetwork(this, ctx, id, net, force);

  /** Containers whose records mount volume `name` (volume rm/prune conflicts). */
  volumeUsers = (name: string) => volumeUsers(this, name);

  /** Containers using an image (rmi/prune conflicts). */
  usersOf = async (_ctx: Ctx, imageId: string) =>
    this.store.list().filter((r) => r.Image === imageId).map((r) => ({ id: r.ID, running: r.State.Running }));

  counts() {
    let running = 0;
    let paused = 0;
    let stopped = 0;
    for (const r of this.store.list()) {
      if (r.State.Paused) paused++;
      else if (r.State.Running) running++;
      else stopped++;
    }
    return { containers: this.store.size, running, paused, stopped };
  }
}
