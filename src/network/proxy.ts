/**
 * The userland proxy (Docker's docker-proxy, in berthd's own process): it listens on a published
 * host address and relays to the container. The kernel's DNAT rules already carry traffic that
 * arrives from elsewhere or is sent to the host's own addresses; the proxy is what answers
 * `localhost` (the nat OUTPUT jump skips 127.0.0.0/8, as in Docker) and IPv6 (`[::]:port`,
 * relayed to the container's IPv4 address), and its bound socket is what makes a port taken
 * by another program fail the start with Docker's error.
 *
 * Why in-process rather than one helper process per port (Docker) or route_localnet alone:
 * a listening socket costs berthd nothing at start (no process spawn, about 3 MB per
 * docker-proxy avoided), it serves IPv6 and reserves the port, which route_localnet cannot.
 * The price: while berthd is down, localhost and IPv6 connections to published ports are
 * refused and open ones are cut (DNAT'd traffic keeps flowing); restore re-listens at boot.
 * `--userland-proxy=false` selects Docker's hairpin mode instead (route_localnet on the bridge,
 * no proxy), which keeps even localhost working across a crash.
 *
 * TCP: one backend connection per client connection, half-close passed on (a FIN from one
 * side ends writing to the other), either side's error or close destroys both.
 * UDP: one backend socket per client address, dropped after 90 s without traffic (Docker's
 * UDPConnTrackTimeout); at most MAX_UDP_FLOWS flows, the least recently used goes first.
 */
import net from 'node:net';
import dgram from 'node:dgram';

export interface ProxySpec {
  proto: 'tcp' | 'udp';
  hostIp: string;
  hostPort: number;
  containerIp: string;
  containerPort: number;
}

export interface Proxy {
  readonly spec: ProxySpec;
  /** Stops listening and cuts the relayed connections. */
  close(): Promise<void>;
}

const UDP_IDLE_MS = 90_000;
const MAX_UDP_FLOWS = 1024;

/** Go's rendering of a listen address ("0.0.0.0:80", "[::]:80"). */
function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/**
 * Binds and starts relaying. Throws an Error with docker-proxy's wording, e.g.
 * `listen tcp4 0.0.0.0:8080: bind: address already in use`.
 */
export async function startProxy(spec: ProxySpec): Promise<Proxy> {
  return spec.proto === 'tcp' ? startTcp(spec) : startUdp(spec);
}

function bindError(spec: ProxySpec, e: NodeJS.ErrnoException): Error {
  const fam = spec.hostIp.includes(':') ? '6' : '4';
  const why = e.code === 'EADDRINUSE' ? 'address already in use' : e.code === 'EADDRNOTAVAIL' ? 'cannot assign requested address' : e.code === 'EACCES' ? 'permission denied' : e.message;
  return new Error(`listen ${spec.proto}${fam} ${hostPort(spec.hostIp, spec.hostPort)}: bind: ${why}`, { cause: e });
}

async function startTcp(spec: ProxySpec): Promise<Proxy> {
  const conns = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const backend = net.connect({ host: spec.containerIp, port: spec.containerPort, allowHalfOpen: true });
    conns.add(client);
    conns.add(backend);
    const destroy = () => {
      client.destroy();
      backend.destroy();
    };
    // Two directions, each ending on its own (half-close); pipeline() would tear both down at
    // the first end. Any error or close destroys both sides.
    client.pipe(backend);
    backend.pipe(client);
    client.on('error', destroy);
    backend.on('error', destroy);
    client.on('close', () => {
      conns.delete(client);
      backend.destroy();
    });
    backend.on('close', () => {
      conns.delete(backend);
      client.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(bindError(spec, e)));
    server.listen({ host: spec.hostIp, port: spec.hostPort, ipv6Only: spec.hostIp.includes(':'), exclusive: true }, () => resolve());
  });
  server.on('error', () => {});
  return {
    spec,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const c of conns) c.destroy();
      }),
  };
}

async function startUdp(spec: ProxySpec): Promise<Proxy> {
  const v6 = spec.hostIp.includes(':');
  const front = dgram.createSocket({ type: v6 ? 'udp6' : 'udp4', ipv6Only: v6 });
  const flows = new Map<string, { sock: dgram.Socket; timer: NodeJS.Timeout }>();
  const drop = (key: string) => {
    const f = flows.get(key);
    if (!f) return;
    flows.delete(key);
    clearTimeout(f.timer);
    f.sock.close();
  };
  const touch = (key: string) => {
    const f = flows.get(key);
    if (!f) return;
    clearTimeout(f.timer);
    f.timer = setTimeout(() => drop(key), UDP_IDLE_MS);
    f.timer.unref();
    flows.delete(key);
    flows.set(key, f);
  };
  front.on('message', (msg, rinfo) => {
    const key = `${rinfo.address}|${rinfo.port}`;
    let f = flows.get(key);
    if (!f) {
      if (flows.size >= MAX_UDP_FLOWS) drop(flows.keys().next().value!);
      const sock = dgram.createSocket('udp4');
      sock.on('error', () => drop(key));
      sock.on('message', (reply) => {
        touch(key);
        front.send(reply, rinfo.port, rinfo.address);
      });
      sock.connect(spec.containerPort, spec.containerIp);
      f = { sock, timer: setTimeout(() => drop(key), UDP_IDLE_MS) };
      f.timer.unref();
      flows.set(key, f);
      const s = sock;
      sock.once('connect', () => s.send(msg));
      return;
    }
    touch(key);
    try {
      f.sock.send(msg);
    } catch {
      // not connected yet: the datagram is lost, as it may be on any UDP path
    }
  });
  await new Promise<void>((resolve, reject) => {
    front.once('error', (e: NodeJS.ErrnoException) => reject(bindError(spec, e)));
    front.bind({ address: spec.hostIp, port: spec.hostPort, exclusive: true }, () => resolve());
  });
  front.on('error', () => {});
  return {
    spec,
    close: () =>
      new Promise<void>((resolve) => {
        for (const k of [...flows.keys()]) drop(k);
        front.close(() => resolve());
      }),
  };
}
