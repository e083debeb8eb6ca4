/**
 * The embedded DNS server's way out (moby libnetwork Resolver.exchange): one query to one
 * upstream nameserver over UDP or TCP, from berthd's (the host's) network namespace, so that the
 * host's loopback resolvers (systemd-resolved's 127.0.0.53) work as they do for Docker's
 * HostLoopback servers.
 *
 * The query goes out as the client's bytes, unchanged (its id, its EDNS OPT record), and the
 * reply comes back as the upstream's bytes, unchanged: dns-packet does not compress names, so
 * re-encoding could push a reply over the client's size limit. A reply counts only when it
 * decodes, is a response, and carries the query's id and question; anything else on the
 * socket is ignored (UDP) or fails the exchange (TCP).
 *
 * TCP messages are framed by a two-byte big-endian length (RFC 1035 4.2.2, RFC 7766).
 */
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket, { type DecodedPacket } from 'dns-packet';

export type Transport = 'udp' | 'tcp';

export interface Upstream {
  host: string;
  port: number;
}

export interface UpstreamReply {
  raw: Buffer;
  msg: DecodedPacket;
}

/** The largest DNS message (and TCP frame body). */
export const MAX_MESSAGE = 65535;

/**
 * Parses "ip", "ip:port", "[v6]" or "[v6]:port" (port 53 by default). undefined for anything
 * else: a host name is no nameserver.
 */
export function parseUpstream(s: string): Upstream | undefined {
  const t = s.trim();
  let host = t;
  let port = 53;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(t);
  if (bracket) {
    host = bracket[1]!;
    if (bracket[2] !== undefined) port = Number(bracket[2]);
  } else if (net.isIPv6(t)) {
    host = t;
  } else {
    const m = /^([^:]+):(\d+)$/.exec(t);
    if (m) {
      host = m[1]!;
      port = Number(m[2]);
    }
  }
  if (!net.isIP(host) || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { host, port };
}

/** A TCP frame: the message behind its two-byte length. */
export function frame(msg: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(msg.length);
  return Buffer.concat([len, msg]);
}

/**
 * Splits a TCP byte stream into messages. push() returns the messages completed by a chunk;
 * pending() is how many bytes wait for the rest of their frame (at most one frame, 65537).
 */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Buffer[] = [];
    while (this.buf.length >= 2) {
      const len = this.buf.readUInt16BE(0);
      if (this.buf.length < 2 + len) break;
      out.push(this.buf.subarray(2, 2 + len));
      this.buf = this.buf.subarray(2 + len);
    }
    return out;
  }

  pending(): number {
    return this.buf.length;
  }
}

/** Whether `reply` answers `query`: a response with its id and (case-insensitively) its question. */
export function answers(query: DecodedPacket, reply: DecodedPacket): boolean {
  if (!reply.flag_qr || reply.id !== query.id) return false;
  const q = query.questions?.[0];
  const r = reply.questions?.[0];
  // A FORMERR/NOTIMP/SERVFAIL may come back without the question (miekg/dns does that).
  if (!r) return (reply.flags ?? 0) % 16 !== 0;
  return !!q && q.type === r.type && q.name.toLowerCase() === r.name.toLowerCase();
}

function decodeOrUndefined(raw: Buffer): DecodedPacket | undefined {
  try {
    return dnsPacket.decode(raw);
  } catch {
    return undefined;
  }
}

/**
 * One exchange over UDP: a connected socket of its own (a random source port per query, and
 * ICMP port-unreachable fails it at once instead of after the timeout). Resolves undefined on
 * timeout or socket error.
 */
export function udpExchange(up: Upstream, raw: Buffer, query: DecodedPacket, timeoutMs: number): Promise<UpstreamReply | undefined> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket(net.isIPv6(up.host) ? 'udp6' : 'udp4');
    let done = false;
    const finish = (r: UpstreamReply | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try {
        sock.close();
      } catch {
        /* already closed */
      }
      resolve(r);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    sock.on('error', () => finish(undefined));
    sock.on('message', (msg) => {
      const reply = decodeOrUndefined(msg);
      if (reply && answers(query, reply)) finish({ raw: msg, msg: reply });
    });
    sock.connect(up.port, up.host, () => {
      if (done) return;
      sock.send(raw, (err) => {
        if (err) finish(undefined);
      });
    });
  });
}

/** One exchange over TCP (a connection per query, as Docker's). Resolves undefined on any failure. */
export function tcpExchange(up: Upstream, raw: Buffer, query: DecodedPacket, timeoutMs: number): Promise<UpstreamReply | undefined> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: up.host, port: up.port });
    const reader = new FrameReader();
    let done = false;
    const finish = (r: UpstreamReply | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    sock.setNoDelay(true);
    sock.on('error', () => finish(undefined));
    sock.on('close', () => finish(undefined));
    sock.on('connect', () => sock.write(frame(raw)));
    sock.on('data', (chunk: Buffer) => {
      const [msg] = reader.push(chunk);
      if (!msg) return;
      const reply = decodeOrUndefined(msg);
      finish(reply && answers(query, reply) ? { raw: Buffer.from(msg), msg: reply } : undefined);
    });
  });
}
