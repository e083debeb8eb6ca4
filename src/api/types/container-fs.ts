/**
 * Wire shapes of the container filesystem endpoints (moby api/types/container): the path stat
 * of HEAD/GET /containers/{id}/archive, GET /containers/{id}/changes, POST /commit.
 */

/**
 * The stat in the X-Docker-Container-Path-Stat header (base64 of this JSON). `mode` is Go's
 * os.FileMode (type bits high: 1<<31 directory, 1<<27 symlink, ...), `mtime` RFC 3339 with
 * nanoseconds, `linkTarget` the symlink's target resolved inside the container.
 */
export interface ContainerPathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

/** One change of GET /containers/{id}/changes: Kind 0 modified (C), 1 added (A), 2 deleted (D). */
export interface FilesystemChange {
  Path: string;
  Kind: 0 | 1 | 2;
}

/** POST /commit answer (201). */
export interface CommitResponse {
  Id: string;
}
