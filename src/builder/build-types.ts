/** What a build takes and says, and the state of its stages (build.ts runs them). */
import type { ContentSums } from '../lib/index.js';
import type { ImageRuntimeConfig } from '../oci/index.js';
import type { AuthConfig, HostConfig } from '../api/types/index.js';
import type { BuildImage } from './backend.js';
import type { Instruction } from './dockerfile/parser.js';

/** What a client asks of a build (POST /build's parameters), whatever the context's source. */
export interface BuildSettings {
  /** Dockerfile path inside the context. */
  dockerfile: string;
  tags: string[];
  buildArgs: Record<string, string | null>;
  labels: Record<string, string>;
  target: string;
  noCache: boolean;
  /** Remove intermediate containers after a successful step (default true). */
  rm: boolean;
  /** Remove them after a failed one too. */
  forceRm: boolean;
  quiet: boolean;
  /** For RUN containers: network mode, extra hosts, shm size, resource limits. */
  hostConfig?: HostConfig;
  /** Always try to pull a newer version of the images FROM and COPY --from name (`--pull`). */
  pull?: boolean;
  /** Images whose history counts as cache although they were not built here (`--cache-from`). */
  cacheFrom?: string[];
  /** Credentials for the pulls, by registry key (X-Registry-Config). */
  authConfigs?: Record<string, AuthConfig>;
}

export interface BuildOptions extends BuildSettings {
  /** The extracted context (context.ts). */
  contextDir: string;
  /** Content checksums of the context's files as received (a COPY's cache key), when known. */
  contentSums?: ContentSums;
  /** Scratch space of this build (layer tars). */
  buildRoot: string;
}

export interface BuildMessage {
  stream?: string;
  /** A pull's progress (FROM), as POST /images/create writes it. */
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  aux?: { ID: string };
  error?: string;
  errorDetail?: { code?: number; message: string };
}

/** A failure of a step: its message goes to the client, `code` is a RUN's exit code. */
export class StepError extends Error {
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message);
  }
}

export interface Stage {
  name: string;
  index: number;
  from: Instruction;
  commands: Instruction[];
}

/** Where a stage's output goes: its index, and the number of its last step header. */
export interface StagePos {
  index: number;
  step: number;
}

export interface StageState {
  pos: StagePos;
  image?: BuildImage;
  config: ImageRuntimeConfig;
  /** Declared ARGs of the stage and their values (undefined: declared without a value). */
  args: Map<string, string | undefined>;
  created: Date;
  /** A CMD was given in this stage (ENTRYPOINT then keeps it). */
  cmdSet?: boolean;
  /** MAINTAINER, for the images from there on (moby's dispatchState.maintainer). */
  author?: string;
  /** Running the base image's ONBUILD triggers: the FROM step prints the resulting ID once. */
  inTriggers?: boolean;
}

export const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);
