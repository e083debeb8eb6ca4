/** Network wire shapes (moby api/types NetworkResource, API 1.41 field order). */

export interface IPAMConfig {
  Subnet?: string;
  IPRange?: string;
  Gateway?: string;
  AuxiliaryAddresses?: Record<string, string>;
}

export interface EndpointResource {
  Name: string;
  EndpointID: string;
  MacAddress: string;
  IPv4Address: string;
  IPv6Address: string;
}

/** GET /networks (each item) and GET /networks/{id}. */
export interface NetworkResource {
  Name: string;
  Id: string;
  /** RFC 3339 with nanoseconds. */
  Created: string;
  Scope: string;
  Driver: string;
  EnableIPv6: boolean;
  IPAM: { Driver: string; Options: Record<string, string> | null; Config: IPAMConfig[] };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Containers: Record<string, EndpointResource>;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}

/** The IPAM block of POST /networks/create (moby api/types/network IPAM). */
export interface IPAM {
  Driver: string;
  Options: Record<string, string> | null;
  Config: IPAMConfig[] | null;
}

/**
 * POST /networks/create body (moby network.CreateRequest: the embedded CreateOptions, then Name;
 * field order as the Go client encodes it). CheckDuplicate is sent (true) only below API 1.44.
 */
export interface NetworkCreateRequest {
  Driver: string;
  Scope: string;
  EnableIPv4?: boolean;
  EnableIPv6?: boolean;
  IPAM: IPAM | null;
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigOnly: boolean;
  ConfigFrom: { Network: string } | null;
  Options: Record<string, string> | null;
  Labels: Record<string, string> | null;
  Name: string;
  CheckDuplicate?: boolean;
}

/** POST /networks/create answer (201). */
export interface NetworkCreateResponse {
  Id: string;
  Warning: string;
}

/** POST /networks/{id}/connect body (moby network.ConnectOptions). */
export interface NetworkConnectRequest {
  Container: string;
  EndpointConfig?: import('./containers.js').EndpointSettings & { GwPriority?: number };
}

/** POST /networks/{id}/disconnect body (moby network.DisconnectOptions). */
export interface NetworkDisconnectRequest {
  Container: string;
  Force: boolean;
}

/** POST /networks/prune answer. */
export interface NetworksPruneReport {
  NetworksDeleted: string[] | null;
}
