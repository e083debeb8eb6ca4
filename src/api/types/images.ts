/** Wire shapes of the image endpoints (moby api/types/image), Docker's field names verbatim. */
import type { ImageRuntimeConfigWire } from './image-config.js';

export interface ImageSummary {
  Id: string;
  ParentId: string;
  RepoTags: string[];
  RepoDigests: string[];
  /** Unix seconds. */
  Created: number;
  Size: number;
  SharedSize: number;
  /** Omitted from API 1.44 on. */
  VirtualSize?: number;
  Labels: Record<string, string> | null;
  Containers: number;
}

export interface ImageInspect {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Parent: string;
  Comment: string;
  Created: string;
  /** Removed in API 1.45. */
  Container?: string;
  ContainerConfig?: ImageRuntimeConfigWire | null;
  DockerVersion: string;
  Author: string;
  Config: ImageRuntimeConfigWire | null;
  Architecture: string;
  Variant?: string;
  Os: string;
  OsVersion?: string;
  Size: number;
  /** Omitted from API 1.44 on. */
  VirtualSize?: number;
  GraphDriver: { Name: string; Data: Record<string, string> | null };
  RootFS: { Type: string; Layers?: string[] };
  Metadata: { LastTagTime?: string };
}

export interface ImageHistoryItem {
  Id: string;
  Created: number;
  CreatedBy: string;
  Tags: string[] | null;
  Size: number;
  Comment: string;
}

export interface ImageDeleteItem {
  Untagged?: string;
  Deleted?: string;
}

export interface ImagesPruneReport {
  ImagesDeleted: ImageDeleteItem[] | null;
  SpaceReclaimed: number;
}

/**
 * Registry credentials, as the X-Registry-Auth header carries them (base64url JSON) and as
 * POST /auth receives them (moby api/types/registry.AuthConfig).
 */
export interface AuthConfig {
  username?: string;
  password?: string;
  /** base64 of user:password (config.json form). */
  auth?: string;
  email?: string;
  serveraddress?: string;
  identitytoken?: string;
  registrytoken?: string;
}

/** The answer of POST /auth. */
export interface AuthResponse {
  Status: string;
  IdentityToken?: string;
}

/** POST /images/create?fromImage= as the daemon receives it. */
export interface PullRequest {
  /** fromImage: the repository, possibly with a tag or digest. */
  image: string;
  /** tag: a tag or a digest; empty to use the one in `image` (or latest). */
  tag: string;
  platform?: string;
  auth?: AuthConfig;
}

/** POST /images/{name}/push as the daemon receives it. */
export interface PushRequest {
  /** The repository (path parameter). */
  name: string;
  /** Empty: every tag of the repository. */
  tag: string;
  auth?: AuthConfig;
}

/** GET /distribution/{name}/json (moby api/types/registry.DistributionInspect). */
export interface DistributionInspect {
  Descriptor: { mediaType: string; digest: string; size: number; urls?: string[] };
  Platforms: { architecture: string; os: string; 'os.version'?: string; 'os.features'?: string[]; variant?: string }[];
}

/** One entry of GET /images/search (moby api/types/registry.SearchResult). */
export interface ImageSearchResult {
  name: string;
  description: string;
  star_count: number;
  is_official: boolean;
  is_automated: boolean;
}
