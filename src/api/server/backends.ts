/**
 * The backends the API server serves (STYLE D3: api/server never imports the daemon; cmd/
 * passes the services in as these interfaces). Each route file declares the interface it
 * needs; later areas join here as optional members, and their routes are mounted only when
 * the member is present.
 */
import type { SystemBackend } from './routes/system.js';
import type { ImagesBackend } from './routes/images.js';
import type { ContainersBackend } from './routes/containers.js';
import type { ContainerFsBackend } from './routes/container-fs.js';
import type { NetworksBackend } from './routes/networks.js';
import type { VolumesBackend } from './routes/volumes.js';
import type { RegistryBackend } from './routes/registry.js';
import type { ImageBuildBackend } from './routes/build.js';

export interface Backends {
  system: SystemBackend;
  images?: ImagesBackend;
  containers?: ContainersBackend;
  /** docker cp, diff, export, commit. */
  containerFs?: ContainerFsBackend;
  networks?: NetworksBackend;
  volumes?: VolumesBackend;
  /** POST /auth (docker login). */
  registry?: RegistryBackend;
  /** POST /build (classic builder). */
  build?: ImageBuildBackend;
}
