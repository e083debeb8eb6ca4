/**
 * The embedded DNS server of user-defined networks (moby libnetwork resolver.go), run in
 * berthd's (the host's) network namespace: one listener per bridge gateway address (and per
 * sandbox DNS link: dns-link.ts), UDP and TCP on the same ephemeral port. Inside each sandbox,
 * NAT rules send 127.0.0.11:53 there (dns-sandbox.ts), and the source address the server sees
 * is the container's (or its DNS link's): every lookup is made on behalf of that client.
 *
 * Per query (one question, opcode QUERY, class IN):
 *   A      a name of ours: all its IPv4 addresses, TTL 600, shuffled per query (round robin)
 *   AAAA   a name of ours: all its IPv6 addresses (endpoints on --ipv6 networks) likewise;
 *          NOERROR without answers when it has none (moby's ipv6Miss: never forwarded)
 *   MX     a name of ours: NOERROR without answers ("implicit MX", RFC 5321 5.1)
 *   PTR    <a.b.c.d>.in-addr.arpa / ip6.arpa of an address of ours: its name
 *   other  forwarded to the client's upstreams, in order (at most 3), over the transport the
 *          query came on; a reply is relayed byte for byte, so the client's id is kept.
 *          SERVFAIL or REFUSED, a timeout or a socket error: the next upstream. None left:
 *          SERVFAIL. A truncated UDP reply for a client that accepts more than 512 bytes is
 *          asked again over TCP and relayed when it fits (else the truncated one is relayed and
 *          the client comes back over TCP, as with Docker).
 * compat: our own answers carry RA and not AA, as moby's createRespMsg (resolver.go) makes
 * them; SERVFAIL and REFUSED carry neither (miekg/dns SetRcode). Over UDP they are cut to 512
 * bytes or the client's EDNS size (TC set); over TCP to 65535.
 * compat: miekg/dns's server checks (defaultMsgAcceptFunc): a response is ignored, an opcode
 * other than QUERY gets NOTIMP, a header other than 1 question / <=1 answer / <=1 authority /
 * <=2 additionals gets FORMERR (header only). A message that does not decode is dropped
 * (miekg/dns answers FORMERR when the header alone decodes).
 *
 * TCP: queries framed by a two-byte length, up to 128 per connection (miekg/dns's
 * MaxTCPQueries), up to 16 answered concurrently (replies may come out of order, RFC 7766
 * 6.2.1.1); the socket is paused while 16 are in flight, so a connection buffers at most one
 * partial frame plus one read chunk. Closed after tcpIdleTimeoutMs without traffic.
 *
 * Bounds: at most maxConcurrentForwards queries wait on upstreams at once (Docker: 1024);
 * beyond that a query gets REFUSED at once (Docker waits up to 4 s for a slot first).
 */
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket, { type Answer, type DecodedPacket, type Packet } from 'dns-packet';
import { conflict, invalidParameter, unavailable, type Logger } from '../lib/index.js';
import { frame, FrameReader, MAX_MESSAGE, parseUpstream, tcpExchange, udpExchange, type Transport, type UpstreamReply } from './dns-forward.js';

export interface EmbeddedDnsDeps {
  log: Logger;
  /**
   * The addresses (IPv4, and IPv6 of endpoints on --ipv6 networks) of a container name, alias
   * or short id on the networks of the client (the container whose address is clientIp);
   * undefined when the name is not ours. `name` is lowercased, without a trailing dot;
   * `name.<network>` is passed through as is.
   */
  resolve(clientIp: string, name: string): string[] | undefined;
  /** PTR: the name for an address on the client's networks, undefined when it is not ours. */
  reverse(clientIp: string, ip: string): string | undefined;
  /** The client's external nameservers ("ip", "ip:port", "[v6]:port"), in order; [] = none. */
  upstreams(clientIp: string): string[];
  /**
   * Whether the client set ndots explicitly (--dns-opt ndots:N): then a single-label A/AAAA
   * name that is not ours gets an empty NOERROR instead of being forwarded (Docker's NdotsSet).
   */
  ndotsSet?(clientIp: string): boolean;
  /** Per upstream attempt (default 2000). */
  upstreamTimeoutMs?: number;
  /** A TCP connection without traffic is closed after this (default 8000, miekg/dns's). */
  tcpIdleTimeoutMs?: number;
  /** Queries waiting on upstreams at once (default 1024). */
  maxConcurrentForwards?: number;
  /** For the round robin (default Math.random). */
  random?: () => number;
}

const TTL = 600;
const MAX_UPSTREAMS = 3;
const UDP_MIN = 512;
const TCP_MAX_QUERIES = 128;
const TCP_MAX_INFLIGHT = 16;
const TCP_MAX_CONNECTIONS = 1024;
const LISTEN_ATTEMPTS = 16;
const LIMIT_WARNING_INTERVAL_MS = 2000;

const RD = dnsPacket.RECURSION_DESIRED;
const RA = dnsPacket.RECURSION_AVAILABLE;
const TC = dnsPacket.TRUNCATED_RESPONSE;
const CD = dnsPacket.CHECKING_DISABLED;
const OPCODE_MASK = 0xf << 11;
const FORMERR = 1;
const SERVFAIL = 2;
const NOTIMP = 4;
const REFUSED = 5;

interface Listener {
  host: string;
  port: number;
  udp: dgram.Socket;
  tcp: net.Server;
  conns: Set<net.Socket>;
  closed: boolean;
}

/** What answering one message needs to know about where it came from. */
interface Origin {
  listener: Listener;
  clientIp: string;
  transport: Transport;
}

export class EmbeddedDns {
  private readonly listeners = new Map<string, Listener>();
  private readonly starting = new Map<string, Promise<number>>();
  private readonly upstreamTimeoutMs: number;
  private readonly idleMs: number;
  private readonly maxForwards: number;
  private readonly random: () => number;
  private forwarding = 0;
  private lastLimitWarning = 0;

  constructor(private readonly deps: EmbeddedDnsDeps) {
    this.upstreamTimeoutMs = deps.upstreamTimeoutMs ?? 2000;
    this.idleMs = deps.tcpIdleTimeoutMs ?? 8000;
    this.maxForwards = deps.maxConcurrentForwards ?? 1024;
    this.random = deps.random ?? Math.random;
  }

  /**
   * Serves DNS on host (an IP address of the host namespace, e.g. a bridge's gateway) over UDP
   * and TCP on the same port, and resolves to that port. port 0 (the default) picks a free one
   * for both, trying again when TCP cannot have the port UDP got. Listening again on a host
   * already served returns its port when `port` is 0 or that port. Throws invalidParameter for
   * a host that is not an IP address or a bad port, conflict when host is served on another
   * port, unavailable when the port cannot be bound (EADDRINUSE, EADDRNOTAVAIL, ...).
   */
  async listen(host: string, port = 0): Promise<number> {
    if (!net.isIP(host)) throw invalidParameter(`embedded DNS: not an IP address: ${host}`);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw invalidParameter(`embedded DNS: invalid port ${port}`);
    const pending = this.starting.get(host);
    const current = this.listeners.get(host)?.port ?? (pending ? await pending.catch(() => undefined) : undefined);
    if (current !== undefined) {
      if (port === 0 || port === current) return current;
      throw conflict(`embedded DNS: ${host} is already served on port ${current}, not ${port}`);
    }
    const p = this.bind(host, port);
    this.starting.set(host, p);
    try {
      return await p;
    } finally {
      this.starting.delete(host);
    }
  }

  /** The port host is served on, undefined when it is not. */
  port(host: string): number | undefined {
    return this.listeners.get(host)?.port;
  }

  /** Stops serving host: both sockets and every open TCP connection. Not served is fine. */
  async close(host: string): Promise<void> {
    await this.starting.get(host)?.catch(() => {});
    const l = this.listeners.get(host);
    if (!l) return;
    this.listeners.delete(host);
    l.closed = true;
    for (const c of l.conns) c.destroy();
    await Promise.all([
      new Promise<void>((r) => {
        try {
          l.udp.close(() => r());
        } catch {
          r();
        }
      }),
      new Promise<void>((r) => l.tcp.close(() => r())),
    ]);
  }

  /** Stops serving every host. */
  async closeAll(): Promise<void> {
    await Promise.all([...new Set([...this.listeners.keys(), ...this.starting.keys()])].map((h) => this.close(h)));
  }

  private async bind(host: string, port: number): Promise<number> {
    const type = net.isIPv6(host) ? 'udp6' : 'udp4';
    for (let attempt = 1; ; attempt++) {
      const udp = dgram.createSocket({ type });
      try {
        await new Promise<void>((resolve, reject) => {
          udp.once('error', reject);
          udp.bind(port, host, () => {
            udp.off('error', reject);
            resolve();
          });
        });
      } catch (e) {
        udp.close();
        throw unavailable(`embedded DNS: cannot listen on ${host}:${port}/udp: ${(e as Error).message}`, e);
      }
      const chosen = udp.address().port;
      // Half-open: a client may shut its side down after its last query and still read replies.
      const tcp = net.createServer({ allowHalfOpen: true });
      try {
        await new Promise<void>((resolve, reject) => {
          tcp.once('error', reject);
          tcp.listen({ port: chosen, host, exclusive: true }, () => {
            tcp.off('error', reject);
            resolve();
          });
        });
      } catch (e) {
        udp.close();
        if (port === 0 && (e as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < LISTEN_ATTEMPTS) continue;
        throw unavailable(`embedded DNS: cannot listen on ${host}:${chosen}/tcp: ${(e as Error).message}`, e);
      }
      const l: Listener = { host, port: chosen, udp, tcp, conns: new Set(), closed: false };
      tcp.maxConnections = TCP_MAX_CONNECTIONS;
      udp.on('message', (msg, rinfo) => this.onDatagram(l, msg, rinfo));
      udp.on('error', (e) => this.deps.log.warn('embedded DNS: UDP socket error', { host, port: chosen, error: e }));
      tcp.on('connection', (s) => this.onConnection(l, s));
      tcp.on('error', (e) => this.deps.log.warn('embedded DNS: TCP listener error', { host, port: chosen, error: e }));
      this.listeners.set(host, l);
      this.deps.log.debug('embedded DNS listening', { host, port: chosen });
      return chosen;
    }
  }

  private onDatagram(l: Listener, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    this.answer(msg, { listener: l, clientIp: rinfo.address, transport: 'udp' })
      .then((reply) => {
        if (reply && !l.closed) l.udp.send(reply, rinfo.port, rinfo.address, () => {});
      })
      .catch((e) => this.deps.log.warn('embedded DNS: answering failed', { error: e }));
  }

  private onConnection(l: Listener, sock: net.Socket): void {
    if (l.closed) {
      sock.destroy();
      return;
    }
    l.conns.add(sock);
    sock.on('close', () => l.conns.delete(sock));
    sock.on('error', () => {});
    sock.setNoDelay(true);
    const clientIp = sock.remoteAddress ?? '';
    const reader = new FrameReader();
    let queued: Buffer[] = [];
    let served = 0;
    let inflight = 0;
    let idle = false;
    const pump = () => {
      while (queued.length && inflight < TCP_MAX_INFLIGHT && served < TCP_MAX_QUERIES) {
        const msg = queued.shift()!;
        served++;
        inflight++;
        this.answer(msg, { listener: l, clientIp, transport: 'tcp' })
          .then((reply) => {
            if (reply && !sock.destroyed) sock.write(frame(reply));
          })
          .catch((e) => this.deps.log.warn('embedded DNS: answering failed', { error: e }))
          .finally(() => {
            inflight--;
            pump();
          });
      }
      if (served >= TCP_MAX_QUERIES) queued = [];
      const done = served >= TCP_MAX_QUERIES || idle;
      if (inflight === 0 && done) sock.end();
      else if (queued.length || inflight >= TCP_MAX_INFLIGHT || served >= TCP_MAX_QUERIES) sock.pause();
      else sock.resume();
    };
    sock.setTimeout(this.idleMs, () => {
      idle = true;
      if (inflight === 0) sock.destroy();
    });
    sock.on('data', (chunk: Buffer) => {
      queued.push(...reader.push(chunk));
      pump();
    });
    sock.on('end', () => {
      idle = true;
      pump();
    });
  }

  /** The reply to one message, or undefined to send none. Never throws. */
  private async answer(raw: Buffer, o: Origin): Promise<Buffer | undefined> {
    let q: DecodedPacket;
    try {
      q = dnsPacket.decode(raw);
    } catch (e) {
      this.deps.log.debug('embedded DNS: dropping a message that does not decode', { client: o.clientIp, bytes: raw.length, error: e });
      return undefined;
    }
    if (q.flag_qr) return undefined;
    const flags = q.flags ?? 0;
    if ((flags & OPCODE_MASK) !== 0) return headerOnly(q, NOTIMP, flags & OPCODE_MASK);
    if (q.questions?.length !== 1 || (q.answers?.length ?? 0) > 1 || (q.authorities?.length ?? 0) > 1 || (q.additionals?.length ?? 0) > 2) {
      return headerOnly(q, FORMERR, 0);
    }
    let local: Packet | undefined;
    try {
      local = this.lookup(q, o.clientIp);
    } catch (e) {
      this.deps.log.warn('embedded DNS: lookup failed', { client: o.clientIp, error: e });
      return encode(rcodeReply(q, SERVFAIL));
    }
    if (local) return encode(fit(local, o.transport === 'tcp' ? MAX_MESSAGE : udpLimit(q)));
    let fwd: Buffer | undefined;
    try {
      fwd = await this.forward(raw, q, o);
    } catch (e) {
      this.deps.log.warn('embedded DNS: forwarding failed', { client: o.clientIp, error: e });
    }
    return fwd ?? encode(rcodeReply(q, SERVFAIL));
  }

  /** Our own answer to q, or undefined when it is to be forwarded. */
  private lookup(q: DecodedPacket, clientIp: string): Packet | undefined {
    const question = q.questions![0]!;
    if ((question.class ?? 'IN') !== 'IN') return undefined;
    const name = question.name.toLowerCase().replace(/\.$/, '');
    if (!name) return undefined;
    switch (question.type) {
      case 'A':
      case 'AAAA': {
        const addrs = this.deps.resolve(clientIp, name);
        if (addrs === undefined) {
          if (!name.includes('.') && this.deps.ndotsSet?.(clientIp)) return reply(q);
          return undefined;
        }
        const type = question.type;
        const shuffled = addrs.filter((a) => (type === 'A' ? net.isIPv4(a) : net.isIPv6(a)));
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = Math.floor(this.random() * (i + 1));
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        return reply(q, shuffled.map((a): Answer => ({ type, name: question.name, ttl: TTL, class: 'IN', data: a })));
      }
      case 'MX':
        return this.deps.resolve(clientIp, name) === undefined ? undefined : reply(q);
      case 'PTR': {
        const ip = ptrAddress(name);
        const host = ip === undefined ? undefined : this.deps.reverse(clientIp, ip);
        if (!host) return undefined;
        return reply(q, [{ type: 'PTR', name: question.name, ttl: TTL, class: 'IN', data: host.replace(/\.?$/, '.') }]);
      }
      default:
        return undefined;
    }
  }

  /** The upstream's reply bytes, or undefined when none gave a usable one. */
  private async forward(raw: Buffer, q: DecodedPacket, o: Origin): Promise<Buffer | undefined> {
    if (this.forwarding >= this.maxForwards) {
      const now = Date.now();
      if (now - this.lastLimitWarning > LIMIT_WARNING_INTERVAL_MS) {
        this.lastLimitWarning = now;
        this.deps.log.warn('embedded DNS: too many queries waiting on upstreams', { limit: this.maxForwards });
      }
      return encode(rcodeReply(q, REFUSED));
    }
    const own = o.listener;
    const ups = this.deps
      .upstreams(o.clientIp)
      .map((s) => {
        const u = parseUpstream(s);
        if (!u) this.deps.log.warn('embedded DNS: ignoring an invalid upstream', { upstream: s });
        return u;
      })
      .filter((u) => u !== undefined && !(u.host === own.host && u.port === own.port))
      .slice(0, MAX_UPSTREAMS);
    this.forwarding++;
    try {
      for (const up of ups) {
        let r: UpstreamReply | undefined;
        if (o.transport === 'tcp') {
          r = await tcpExchange(up!, raw, q, this.upstreamTimeoutMs);
        } else {
          r = await udpExchange(up!, raw, q, this.upstreamTimeoutMs);
          const limit = udpLimit(q);
          if (r?.msg.flag_tc && limit > UDP_MIN) {
            const full = await tcpExchange(up!, raw, q, this.upstreamTimeoutMs);
            if (full && full.raw.length <= limit && rcodeOf(full.msg) !== SERVFAIL && rcodeOf(full.msg) !== REFUSED) r = full;
          }
        }
        const where = { upstream: `${up!.host}:${up!.port}`, transport: o.transport, question: q.questions![0]!.name };
        if (!r) {
          this.deps.log.debug('embedded DNS: no reply from upstream', where);
          continue;
        }
        const rc = rcodeOf(r.msg);
        if (rc === SERVFAIL || rc === REFUSED) {
          this.deps.log.debug('embedded DNS: upstream failed', { ...where, rcode: rc });
          continue;
        }
        return r.raw;
      }
      return undefined;
    } finally {
      this.forwarding--;
    }
  }
}

function rcodeOf(m: DecodedPacket): number {
  return (m.flags ?? 0) & 0xf;
}

/** The client's UDP size: 512, or more when its EDNS OPT record offers more. */
function udpLimit(q: DecodedPacket): number {
  const opt = q.additionals?.find((a) => a.type === 'OPT');
  const size = opt && 'udpPayloadSize' in opt ? opt.udpPayloadSize : 0;
  return Math.min(Math.max(UDP_MIN, size), MAX_MESSAGE);
}

/** miekg/dns SetReply + RA: id, QR, opcode, RD and CD of the query, its question. */
function reply(q: DecodedPacket, answers: Answer[] = []): Packet {
  const flags = ((q.flags ?? 0) & (RD | CD | OPCODE_MASK)) | RA;
  return { id: q.id, type: 'response', flags, questions: [q.questions![0]!], answers };
}

/** miekg/dns SetRcode: a reply with the question, no RA. */
function rcodeReply(q: DecodedPacket, rcode: number): Packet {
  const flags = ((q.flags ?? 0) & (RD | CD | OPCODE_MASK)) | rcode;
  return { id: q.id, type: 'response', flags, questions: q.questions?.length ? [q.questions[0]!] : [], answers: [] };
}

/** miekg/dns's reject: the header alone, with the query's id and RD/CD. */
function headerOnly(q: DecodedPacket, rcode: number, opcodeBits: number): Buffer {
  return encode({ id: q.id, type: 'response', flags: ((q.flags ?? 0) & (RD | CD)) | opcodeBits | rcode, questions: [] });
}

/** Drops answers from the end until the message fits `limit`, setting TC when any were dropped. */
function fit(p: Packet, limit: number): Packet {
  if (dnsPacket.encodingLength(p) <= limit) return p;
  const answers = [...(p.answers ?? [])];
  const out: Packet = { ...p, flags: (p.flags ?? 0) | TC, answers };
  while (answers.length && dnsPacket.encodingLength(out) > limit) answers.pop();
  return out;
}

function encode(p: Packet): Buffer {
  return dnsPacket.encode(p);
}

/**
 * The address a PTR name stands for: `d.c.b.a.in-addr.arpa` -> a.b.c.d, and the 32 nibbles of
 * `....ip6.arpa` -> the IPv6 address in its canonical form. undefined for anything else
 * (partial names included: they are forwarded).
 */
export function ptrAddress(name: string): string | undefined {
  const n = name.toLowerCase().replace(/\.$/, '');
  if (n.endsWith('.in-addr.arpa')) {
    const labels = n.slice(0, -'.in-addr.arpa'.length).split('.');
    if (labels.length !== 4 || !labels.every((l) => /^(0|[1-9]\d{0,2})$/.test(l) && Number(l) <= 255)) return undefined;
    return labels.reverse().join('.');
  }
  if (n.endsWith('.ip6.arpa')) {
    const nibbles = n.slice(0, -'.ip6.arpa'.length).split('.');
    if (nibbles.length !== 32 || !nibbles.every((x) => /^[0-9a-f]$/.test(x))) return undefined;
    const hex = nibbles.reverse().join('');
    const groups = hex.match(/.{4}/g)!.join(':');
    return new URL(`http://[${groups}]`).hostname.slice(1, -1);
  }
  return undefined;
}

