/**
 * The container record: what Docker keeps in `config.v2.json` (moby container/container.go, its
 * field names), with HostConfig alongside (persisted in `hostconfig.json`, see store.ts), plus the
 * few fields berth needs for itself (documented below).
 */
import type { ContainerConfig, HostConfig, MountPoint, MountPointSpec, NetworkSettings } from '../api/types/index.js';
import { newState, type StateRecord } from './state.js';
import { parseRfc3339Nano, ZERO_TIME } from './timefmt.js';

/** One entry of `MountPoints` (keyed by destination), moby volume/mounts.MountPoint's fields. */
export interface MountPointRecord extends MountPoint {
  /** Volume driver-specific mount ID (moby `ID`), when any. */
  ID?: string;
  /** The --mount spec it came from, when any (moby `Spec`). */
  Spec?: MountPointSpec;
  /** SELinux relabel mode ("z", "Z" or ""). */
  Relabel?: string;
  /** Copy the image's content at the destination into an empty volume (moby `CopyData`). */
  CopyData?: boolean;
}

export interface ContainerRecord {
  /** 64 hex characters. */
  ID: string;
  /** RFC3339Nano. */
  Created: string;
  /** The process: entrypoint[0] (or cmd[0]) and the rest. */
  Path: string;
  Args: string[];
  /** As received at create, merged with the image defaults (wire shape). */
  Config: ContainerConfig;
  /** Persisted separately as hostconfig.json (wire shape). */
  HostConfig: HostConfig;
  State: StateRecord;
  /** The image ID (`sha256:…`). */
  Image: string;
  /** The image reference as the user gave it (`busybox`, `busybox:latest`, an ID prefix). */
  ImageName: string;
  NetworkSettings: NetworkSettings;
  /** The json-file log's path ("" for other drivers, as Docker shows it). */
  LogPath: string;
  /** With the leading "/". */
  Name: string;
  /** Storage driver (snapshotter) name shown by inspect as GraphDriver.Name / Driver. */
  Driver: string;
  RestartCount: number;
  HasBeenStartedBefore: boolean;
  HasBeenManuallyStopped: boolean;
  /** Keyed by destination path in the container. */
  MountPoints: Record<string, MountPointRecord>;
  /** Exec instances of this container (API ExecIDs). */
  ExecIDs: string[];
  /** OS of the container ("linux"). */
  Platform: string;
  ResolvConfPath: string;
  HostnamePath: string;
  HostsPath: string;
  MountLabel: string;
  ProcessLabel: string;
  AppArmorProfile: string;
  /** berth: the key of the container's read-write snapshot in the snapshotter. */
  SnapshotKey: string;
  /** berth: free-form per-container metadata of other subsystems (string values only). */
  BerthLabels: Record<string, string>;
}

/** What a caller gives to ContainerStore.create: the rest gets Docker's defaults. */
export type ContainerInit = Pick<ContainerRecord, 'Path' | 'Args' | 'Config' | 'HostConfig' | 'Image'> &
  Partial<Omit<ContainerRecord, 'Path' | 'Args' | 'Config' | 'HostConfig' | 'Image'>>;

/** An empty NetworkSettings, as Docker has it before the container joins a network. */
export function emptyNetworkSettings(): NetworkSettings {
  return {
    Bridge: '',
    SandboxID: '',
    Ports: {},
    SandboxKey: '',
    EndpointID: '',
    Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    IPAddress: '',
    IPPrefixLen: 0,
    IPv6Gateway: '',
    MacAddress: '',
    Networks: {},
  };
}

/** A full record from `init`; ID, Name and Created must already be decided by the caller. */
export function completeRecord(init: ContainerInit & { ID: string; Name: string; Created: string }): ContainerRecord {
  return {
    ID: init.ID,
    Created: init.Created,
    Path: init.Path,
    Args: init.Args,
    Config: init.Config,
    HostConfig: init.HostConfig,
    State: init.State ?? newState(),
    Image: init.Image,
    ImageName: init.ImageName ?? init.Config.Image ?? '',
    NetworkSettings: init.NetworkSettings ?? emptyNetworkSettings(),
    LogPath: init.LogPath ?? '',
    Name: init.Name,
    Driver: init.Driver ?? '',
    RestartCount: init.RestartCount ?? 0,
    HasBeenStartedBefore: init.HasBeenStartedBefore ?? false,
    HasBeenManuallyStopped: init.HasBeenManuallyStopped ?? false,
    MountPoints: init.MountPoints ?? {},
    ExecIDs: init.ExecIDs ?? [],
    Platform: init.Platform ?? 'linux',
    ResolvConfPath: init.ResolvConfPath ?? '',
    HostnamePath: init.HostnamePath ?? '',
    HostsPath: init.HostsPath ?? '',
    MountLabel: init.MountLabel ?? '',
    ProcessLabel: init.ProcessLabel ?? '',
    AppArmorProfile: init.AppArmorProfile ?? '',
    SnapshotKey: init.SnapshotKey ?? '',
    BerthLabels: init.BerthLabels ?? {},
  };
}

/**
 * Fills what an older or hand-edited config.v2.json lacks, so every loaded record has the full
 * shape. Returns undefined when the essentials (ID, Name, Config, State) are missing.
 */
export function normalizeLoaded(raw: unknown, hostConfig: HostConfig): ContainerRecord | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const r = raw as Partial<ContainerRecord>;
  if (typeof r.ID !== 'string' || typeof r.Name !== 'string' || !r.Config || typeof r.Config !== 'object') {
    return undefined;
  }
  if (!r.State || typeof r.State !== 'object') return undefined;
  const state: StateRecord = { ...newState(), ...r.State };
  delete state.RemovalInProgress;
  if (!state.StartedAt) state.StartedAt = ZERO_TIME;
  if (!state.FinishedAt) state.FinishedAt = ZERO_TIME;
  return completeRecord({
    ...r,
    ID: r.ID,
    Name: r.Name,
    Created: typeof r.Created === 'string' ? r.Created : ZERO_TIME,
    Path: typeof r.Path === 'string' ? r.Path : '',
    Args: Array.isArray(r.Args) ? r.Args : [],
    Config: r.Config,
    HostConfig: hostConfig,
    Image: typeof r.Image === 'string' ? r.Image : '',
    State: state,
  });
}

/** Creation order (then ID order for the same instant): the order records load in. */
export function compareCreated(a: ContainerRecord, b: ContainerRecord): number {
  const ta = parseRfc3339Nano(a.Created) ?? 0n;
  const tb = parseRfc3339Nano(b.Created) ?? 0n;
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0;
}
