/**
 * What a container asks of its networks before its task starts (AttachRequest) and what it
 * gets (Attachment: daemon/ turns it into NetworkSettings), for the network controller
 * (controller.ts).
 */
import { endpointAttachment, type EndpointAttachment, type EndpointRequest } from './endpoint.js';
import { portMap, type PublishRequest } from './portmap.js';
import type { SandboxRecord } from './sandbox-store.js';

export interface AttachRequest {
  containerId: string;
  /** Without the leading slash: the endpoint's name in Docker's errors and in DNS. */
  containerName: string;
  /** The networks, in the order they are joined (the first names the kind: bridge, host, none). */
  networks: EndpointRequest[];
  publish: PublishRequest;
  /** `--dns`: where the embedded DNS forwards other names (the host's resolvers when empty). */
  dnsServers?: string[];
  /** Chosen by the caller when it needs netnsPath() before attach() resolves (the runtime spec). */
  sandboxId?: string;
  /**
   * The pid of the container's created (not started) task whose network namespace becomes the
   * sandbox's (containers in a user namespace: runc makes it, owned by that namespace).
   */
  adoptPid?: number;
}

/** What a container gets from its networks (daemon/ turns it into NetworkSettings). */
export interface Attachment {
  /** bridge: a sandbox of ours (bridge and macvlan networks). */
  kind: 'bridge' | 'host' | 'none';
  sandboxId: string;
  /** The namespace for runc (bridge only; none and host leave it to runc). */
  netnsPath?: string;
  /** Docker's SandboxKey. */
  sandboxKey: string;
  endpoints: EndpointAttachment[];
  /** NetworkSettings.Ports. */
  ports: Record<string, { HostIp: string; HostPort: string }[] | null>;
}

/** The attachment of a sandbox of ours (bridge and macvlan networks), from its record. */
export function attachmentOf(rec: SandboxRecord): Attachment {
  const withPorts = rec.endpoints.find((e) => e.ports.length || e.exposed.length);
  return {
    kind: 'bridge',
    sandboxId: rec.sandboxId,
    netnsPath: rec.netnsPath,
    sandboxKey: rec.netnsPath,
    endpoints: rec.endpoints.map(endpointAttachment),
    ports: withPorts ? portMap(withPorts.exposed, withPorts.ports) : {},
  };
}
