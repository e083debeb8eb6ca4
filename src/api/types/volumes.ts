/** Volume wire types (moby api/types/volume), fields in their Go struct order. */

/** volume.Volume: GET /volumes/{name}, the entries of GET /volumes. */
export interface Volume {
  /** RFC3339 (seconds). */
  CreatedAt: string;
  Driver: string;
  Labels: Record<string, string> | null;
  Mountpoint: string;
  Name: string;
  Options: Record<string, string> | null;
  /** `local` or `global`. */
  Scope: string;
  Status?: Record<string, unknown>;
  /** Only in /system/df. */
  UsageData?: { RefCount: number; Size: number } | null;
}

/** volume.ListResponse. */
export interface VolumeListResponse {
  Volumes: Volume[];
  Warnings: string[] | null;
}

/** volume.CreateOptions (POST /volumes/create). */
export interface VolumeCreateRequest {
  Name?: string;
  Driver?: string;
  DriverOpts?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

/** volume.PruneReport. */
export interface VolumesPruneReport {
  VolumesDeleted: string[] | null;
  SpaceReclaimed: number;
}
