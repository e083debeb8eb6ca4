/**
 * All route tables. An area adds `routes/<area>.ts` exporting `<area>Routes(backend, env):
 * Route[]` and its `<Area>Backend` interface, adds an optional member to `Backends`
 * (backends.ts), and appends its table to the list below, mounted only when the backend
 * is present, e.g. `...(b.containers ? containerRoutes(b.containers, env) : [])`.
 */
import type { Backends } from '../backends.js';
import type { Route, RouteEnv } from '../router.js';
import { systemRoutes } from './system.js';
import { imageRoutes } from './images.js';
import { containerRoutes } from './containers.js';
import { containerFsRoutes } from './container-fs.js';
import { networkRoutes } from './networks.js';
import { volumeRoutes } from './volumes.js';
import { registryRoutes } from './registry.js';
import { buildRoutes as imageBuildRoutes } from './build.js';

export function buildRoutes(b: Backends, env: RouteEnv): Route[] {
  return [
    ...systemRoutes(b.system, env),
    ...(b.images ? imageRoutes(b.images) : []),
    ...(b.containers ? containerRoutes(b.containers) : []),
    ...(b.containerFs ? containerFsRoutes(b.containerFs) : []),
    ...(b.networks ? networkRoutes(b.networks) : []),
    ...(b.volumes ? volumeRoutes(b.volumes) : []),
    ...(b.registry ? registryRoutes(b.registry) : []),
    ...(b.build ? imageBuildRoutes(b.build) : []),
  ];
}
