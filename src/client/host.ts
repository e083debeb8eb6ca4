/**
 * Daemon addresses as docker's -H/DOCKER_HOST take them:
 *
 *   unix:///run/berth/berth.sock   HTTP over a unix socket
 *   tcp://host:port                HTTP, or HTTPS when TLS is configured (docker's default
 *                                  ports: 2375 plain, 2376 TLS)
 *   http://host:port, https://…    explicit scheme
 */
import { invalidParameter } from '../lib/index.js';

export const DEFAULT_HOST = 'unix:///run/berth/berth.sock';

export type DaemonAddress =
  | { kind: 'unix'; socketPath: string; display: string }
  | { kind: 'tcp'; hostname: string; port: number; https: boolean; display: string };

/** Parses a daemon address; throws invalidParameter with docker's wording when malformed. */
export function parseHost(host: string, tls: boolean): DaemonAddress {
  const bad = () => invalidParameter(`invalid bind address format: ${host}`);
  const m = /^([a-z]+):\/\/(.*)$/.exec(host.trim());
  if (!m) throw bad();
  const [, proto, rest] = m as unknown as [string, string, string];
  if (proto === 'unix') {
    if (!rest.startsWith('/')) throw bad();
    return { kind: 'unix', socketPath: rest, display: host };
  }
  if (proto === 'tcp' || proto === 'http' || proto === 'https') {
    const hostPort = rest.replace(/\/+$/, '');
    if (hostPort.includes('/')) throw bad();
    let hostname: string;
    let portText: string | undefined;
    const v6 = /^\[([^\]]+)\](?::(\d*))?$/.exec(hostPort);
    if (v6) {
      hostname = v6[1]!;
      portText = v6[2];
    } else {
      const i = hostPort.lastIndexOf(':');
      hostname = i >= 0 ? hostPort.slice(0, i) : hostPort;
      portText = i >= 0 ? hostPort.slice(i + 1) : undefined;
    }
    const https = proto === 'https' || (proto === 'tcp' && tls);
    const port = portText ? Number(portText) : https ? 2376 : 2375;
    if (!Number.isInteger(port) || port <= 0 || port > 65535) throw bad();
    return { kind: 'tcp', hostname: hostname || '127.0.0.1', port, https, display: host };
  }
  throw bad();
}
