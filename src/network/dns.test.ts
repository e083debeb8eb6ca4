import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket, { type DecodedPacket, type Packet } from 'dns-packet';
import { nopLogger } from '../lib/index.js';
import { EmbeddedDns, ptrAddress, type EmbeddedDnsDeps } from './dns.js';
import { frame, FrameReader, parseUpstream, type Transport } from './dns-forward.js';

const LO = '127.0.0.1';
const RD = dnsPacket.RECURSION_DESIRED;
const RA = dnsPacket.RECURSION_AVAILABLE;
const TC = dnsPacket.TRUNCATED_RESPONSE;
const rcode = (m: DecodedPacket) => (m.flags ?? 0) & 0xf;

const MANY = Array.from({ length: 60 }, (_, i) => `10.1.${i >> 8}.${i & 255}`);
const RECORDS: Record<string, string[]> = { web: ['10.0.0.2'], db: ['10.0.0.3', '10.0.0.4', '10.0.0.5'], many: MANY, 'web.mynet': ['10.0.0.2'], dual: ['10.0.0.7', 'fd00:db8::7', '10.0.0.8', 'fd00:db8::8'] };

// ---- helpers: a fake upstream nameserver and clients, all on loopback ----

type Handler = (q: DecodedPacket, t: Transport) => Packet | null;

class FakeUpstream {
  readonly seen: { t: Transport; q: DecodedPacket }[] = [];
  private constructor(
    private readonly udp: dgram.Socket,
    private readonly tcp: net.Server,
    readonly port: number,
  ) {}

  static async start(handler: Handler): Promise<FakeUpstream> {
    for (;;) {
      const udp = dgram.createSocket('udp4');
      await new Promise<void>((r) => udp.bind(0, LO, r));
      const port = udp.address().port;
      const tcp = net.createServer();
      const ok = await new Promise<boolean>((r) => {
        tcp.once('error', () => r(false));
        tcp.listen(port, LO, () => r(true));
      });
      if (!ok) {
        udp.close();
        continue;
      }
      const up = new FakeUpstream(udp, tcp, port);
      udp.on('message', (m, ri) => {
        const q = dnsPacket.decode(m);
        up.seen.push({ t: 'udp', q });
        const a = handler(q, 'udp');
        if (a) udp.send(dnsPacket.encode(a), ri.port, ri.address);
      });
      tcp.on('connection', (s) => {
        const rd = new FrameReader();
        s.on('error', () => {});
        s.on('data', (c: Buffer) => {
          for (const m of rd.push(c)) {
            const q = dnsPacket.decode(m);
            up.seen.push({ t: 'tcp', q });
            const a = handler(q, 'tcp');
            if (a) s.write(frame(dnsPacket.encode(a)));
          }
        });
      });
      return up;
    }
  }

  get addr(): string {
    return `${LO}:${this.port}`;
  }

  close(): void {
    this.udp.close();
    this.tcp.close();
  }
}

function answerA(q: DecodedPacket, ips: string[], extraFlags = 0): Packet {
  const qq = q.questions![0]!;
  return { id: q.id, type: 'response', flags: RA | (q.flags! & RD) | extraFlags, questions: [qq], answers: ips.map((ip) => ({ type: 'A', name: qq.name, ttl: 30, data: ip })) };
}

function rcodeAnswer(q: DecodedPacket, rc: number): Packet {
  return { id: q.id, type: 'response', flags: RA | rc, questions: q.questions };
}

function query(name: string, type: dnsPacket.RecordType = 'A', id = 0x1234, edns?: number): Buffer {
  const p: Packet = { id, type: 'query', flags: RD, questions: [{ type, name, class: 'IN' }] };
  if (edns) p.additionals = [{ type: 'OPT', name: '.', udpPayloadSize: edns, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }];
  return dnsPacket.encode(p);
}

function udpAsk(port: number, raw: Buffer, timeoutMs = 1500): Promise<{ raw: Buffer; msg: DecodedPacket } | undefined> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const t = setTimeout(() => {
      s.close();
      resolve(undefined);
    }, timeoutMs);
    s.on('message', (m) => {
      clearTimeout(t);
      s.close();
      resolve({ raw: m, msg: dnsPacket.decode(m) });
    });
    s.send(raw, port, LO);
  });
}

/** Writes `chunks` (already framed, split however the test likes) and collects `n` replies. */
function tcpAsk(port: number, chunks: Buffer[], n: number, timeoutMs = 3000): Promise<DecodedPacket[]> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, LO);
    const rd = new FrameReader();
    const out: DecodedPacket[] = [];
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error(`tcp: ${out.length}/${n} replies`));
    }, timeoutMs);
    s.on('connect', async () => {
      for (const c of chunks) {
        s.write(c);
        await new Promise((r) => setTimeout(r, 5));
      }
    });
    s.on('data', (c: Buffer) => {
      for (const m of rd.push(c)) out.push(dnsPacket.decode(m));
      if (out.length >= n) {
        clearTimeout(t);
        s.destroy();
        resolve(out);
      }
    });
    s.on('error', reject);
  });
}

interface Calls {
  resolve: string[];
  clients: Set<string>;
}

async function server(upstreams: string[] = [], extra: Partial<EmbeddedDnsDeps> = {}): Promise<{ dns: EmbeddedDns; port: number; calls: Calls }> {
  const calls: Calls = { resolve: [], clients: new Set() };
  const dns = new EmbeddedDns({
    log: nopLogger,
    resolve: (client, name) => {
      calls.resolve.push(name);
      calls.clients.add(client);
      return RECORDS[name] ? [...RECORDS[name]!] : undefined;
    },
    reverse: (_client, ip) => (ip === '10.0.0.2' ? 'web.mynet' : undefined),
    upstreams: () => upstreams,
    upstreamTimeoutMs: 300,
    ...extra,
  });
  const port = await dns.listen(LO);
  servers.push(dns);
  return { dns, port, calls };
}

const servers: EmbeddedDns[] = [];
const ups: FakeUpstream[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.closeAll()));
  for (const u of ups) u.close();
});
async function upstream(h: Handler): Promise<FakeUpstream> {
  const u = await FakeUpstream.start(h);
  ups.push(u);
  return u;
}

// ---- our own names ----

test('A for one of our names: its address, TTL 600, RA without AA, id and RD kept, name echoed as asked', async () => {
  const { port, calls } = await server();
  const r = (await udpAsk(port, query('WeB', 'A', 0xbeef)))!.msg;
  assert.equal(r.id, 0xbeef);
  assert.equal(r.type, 'response');
  assert.equal(rcode(r), 0);
  assert.ok(r.flag_ra && r.flag_rd && !r.flag_aa && !r.flag_tc);
  assert.deepEqual(r.questions, [{ name: 'WeB', type: 'A', class: 'IN' }]);
  assert.equal(r.answers!.length, 1);
  const a = r.answers![0]! as dnsPacket.StringAnswer;
  assert.deepEqual([a.name, a.type, a.ttl, a.data], ['WeB', 'A', 600, '10.0.0.2']);
  assert.deepEqual(calls.resolve, ['web'], 'looked up lowercased');
  assert.deepEqual([...calls.clients], [LO], 'on behalf of the source address');
  // a fully qualified name on the wire ends with the root label; dns-packet strips the dot
  assert.equal((await udpAsk(port, query('web.')))!.msg.answers!.length, 1);
  assert.deepEqual(calls.resolve, ['web', 'web']);
  // name.<network> passes through to resolve()
  assert.equal(((await udpAsk(port, query('web.MyNet')))!.msg.answers![0] as dnsPacket.StringAnswer).data, '10.0.0.2');
  assert.equal(calls.resolve.at(-1), 'web.mynet');
});

test('round robin: every answer has all addresses of a shared alias, in varying order', async () => {
  const { port } = await server();
  const orders = new Set<string>();
  const firsts = new Set<string>();
  for (let i = 0; i < 60; i++) {
    const r = (await udpAsk(port, query('db', 'A', i)))!.msg;
    const ips = r.answers!.map((a) => (a as dnsPacket.StringAnswer).data);
    assert.deepEqual([...ips].sort(), ['10.0.0.3', '10.0.0.4', '10.0.0.5']);
    orders.add(ips.join(','));
    firsts.add(ips[0]!);
  }
  assert.ok(orders.size >= 4, `only ${orders.size} orders in 60 queries`);
  assert.equal(firsts.size, 3);
});

test('AAAA and MX for our names: NOERROR without answers, never forwarded', async () => {
  const up = await upstream((q) => answerA(q, ['9.9.9.9']));
  const { port } = await server([up.addr]);
  for (const type of ['AAAA', 'MX'] as const) {
    const r = (await udpAsk(port, query('web', type)))!.msg;
    assert.equal(rcode(r), 0, type);
    assert.equal(r.answers!.length, 0, type);
    assert.ok(r.flag_ra && !r.flag_aa, type);
    assert.deepEqual(r.questions, [{ name: 'web', type, class: 'IN' }]);
  }
  assert.equal(up.seen.length, 0);
});

test('A and AAAA of a name with IPv6 addresses (--ipv6 networks): each family its own answers, round robin, never forwarded', async () => {
  const up = await upstream((q) => answerA(q, ['9.9.9.9']));
  const { port } = await server([up.addr]);
  const six = new Set<string>();
  for (let i = 0; i < 20; i++) {
    const r = (await udpAsk(port, query('Dual', 'AAAA', i)))!.msg;
    assert.equal(rcode(r), 0);
    assert.ok(r.flag_ra && !r.flag_aa);
    assert.deepEqual(r.answers!.map((a) => [a.name, a.type, (a as dnsPacket.StringAnswer).ttl]), [['Dual', 'AAAA', 600], ['Dual', 'AAAA', 600]]);
    const ips = r.answers!.map((a) => (a as dnsPacket.StringAnswer).data);
    assert.deepEqual([...ips].sort(), ['fd00:db8::7', 'fd00:db8::8']);
    six.add(ips[0]!);
  }
  assert.equal(six.size, 2, 'shuffled');
  const a = (await udpAsk(port, query('dual', 'A')))!.msg;
  assert.deepEqual(a.answers!.map((x) => (x as dnsPacket.StringAnswer).data).sort(), ['10.0.0.7', '10.0.0.8']);
  const tcp = (await tcpAsk(port, [frame(query('dual', 'AAAA'))], 1))[0]!;
  assert.equal(tcp.answers!.length, 2);
  assert.equal(up.seen.length, 0);
});

test('PTR for our address answers its name; other PTRs are forwarded', async () => {
  const up = await upstream((q) => ({ id: q.id, type: 'response', flags: RA, questions: q.questions, answers: [{ type: 'PTR', name: q.questions![0]!.name, ttl: 5, data: 'dns.google' }] }));
  const { port } = await server([up.addr]);
  const r = (await udpAsk(port, query('2.0.0.10.In-Addr.Arpa', 'PTR')))!.msg;
  assert.equal(rcode(r), 0);
  assert.deepEqual(r.answers!.map((a) => [a.name, a.type, (a as dnsPacket.StringAnswer).ttl, (a as dnsPacket.StringAnswer).data]), [['2.0.0.10.In-Addr.Arpa', 'PTR', 600, 'web.mynet']]);
  assert.equal(up.seen.length, 0);
  const f = (await udpAsk(port, query('8.8.8.8.in-addr.arpa', 'PTR')))!.msg;
  assert.equal((f.answers![0] as dnsPacket.StringAnswer).data, 'dns.google');
  assert.equal(up.seen.length, 1);
});

test('ptrAddress: in-addr.arpa and ip6.arpa names; partial and bad ones are not addresses', () => {
  assert.equal(ptrAddress('4.3.2.1.in-addr.arpa'), '1.2.3.4');
  assert.equal(ptrAddress('4.3.2.1.IN-ADDR.ARPA.'), '1.2.3.4');
  assert.equal(ptrAddress('3.2.1.in-addr.arpa'), undefined);
  assert.equal(ptrAddress('256.3.2.1.in-addr.arpa'), undefined);
  assert.equal(ptrAddress('04.3.2.1.in-addr.arpa'), undefined);
  const v6 = '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa';
  assert.equal(ptrAddress(v6), '2001:db8::1');
  assert.equal(ptrAddress('1.0.ip6.arpa'), undefined);
  assert.equal(ptrAddress('example.com'), undefined);
});

test('our answers are cut to 512 bytes over UDP with TC; EDNS size and TCP get them all', async () => {
  const { port } = await server();
  const udp = (await udpAsk(port, query('many')))!;
  assert.ok(udp.raw.length <= 512, `${udp.raw.length} bytes`);
  assert.ok(udp.msg.flag_tc);
  assert.ok(udp.msg.answers!.length > 0 && udp.msg.answers!.length < 60);
  const edns = (await udpAsk(port, query('many', 'A', 7, 4096)))!;
  assert.ok(!edns.msg.flag_tc);
  assert.equal(edns.msg.answers!.length, 60);
  const [tcp] = await tcpAsk(port, [frame(query('many'))], 1);
  assert.ok(!tcp!.flag_tc);
  assert.equal(tcp!.answers!.length, 60);
});

// ---- forwarding ----

test('names not ours are forwarded: the client id kept, the upstream reply relayed', async () => {
  const up = await upstream((q) => answerA(q, ['93.184.216.34']));
  const { port } = await server([up.addr]);
  const r = (await udpAsk(port, query('example.com', 'A', 0x4242)))!.msg;
  assert.equal(r.id, 0x4242);
  assert.equal((r.answers![0] as dnsPacket.StringAnswer).data, '93.184.216.34');
  assert.equal((r.answers![0] as dnsPacket.StringAnswer).ttl, 30, 'relayed as is');
  assert.equal(up.seen.length, 1);
  assert.equal(up.seen[0]!.t, 'udp');
  assert.equal(up.seen[0]!.q.id, 0x4242);
  assert.ok(up.seen[0]!.q.flag_rd);
  // other types for our names are forwarded too
  await udpAsk(port, query('web', 'TXT'));
  assert.equal(up.seen.at(-1)!.q.questions![0]!.type, 'TXT');
});

test('a truncated UDP reply is asked again over TCP for a client that accepts more', async () => {
  const ips = Array.from({ length: 40 }, (_, i) => `192.0.2.${i + 1}`);
  const up = await upstream((q, t) => (t === 'udp' ? answerA(q, ips.slice(0, 2), TC) : answerA(q, ips)));
  const { port } = await server([up.addr]);
  const r = (await udpAsk(port, query('big.example', 'A', 99, 4096)))!;
  assert.ok(!r.msg.flag_tc);
  assert.equal(r.msg.id, 99);
  assert.equal(r.msg.answers!.length, 40);
  assert.deepEqual(up.seen.map((s) => s.t), ['udp', 'tcp']);
  // a plain 512-byte client could not take the full answer: it gets the truncated one (Docker)
  const small = (await udpAsk(port, query('big.example', 'A', 100)))!;
  assert.ok(small.msg.flag_tc);
  assert.equal(small.msg.answers!.length, 2);
  assert.deepEqual(up.seen.slice(2).map((s) => s.t), ['udp']);
  // ... and comes back over TCP, which is forwarded over TCP
  const [tcp] = await tcpAsk(port, [frame(query('big.example', 'A', 101))], 1);
  assert.equal(tcp!.id, 101);
  assert.equal(tcp!.answers!.length, 40);
  assert.equal(up.seen.at(-1)!.t, 'tcp');
});

test('an upstream that times out: the next one answers', async () => {
  const silent = await upstream(() => null);
  const good = await upstream((q) => answerA(q, ['198.51.100.7']));
  const { port } = await server([silent.addr, good.addr], { upstreamTimeoutMs: 250 });
  const t0 = Date.now();
  const r = (await udpAsk(port, query('slow.example')))!.msg;
  const ms = Date.now() - t0;
  assert.equal((r.answers![0] as dnsPacket.StringAnswer).data, '198.51.100.7');
  assert.ok(ms >= 240 && ms < 1000, `${ms} ms`);
  assert.equal(silent.seen.length, 1);
});

test('SERVFAIL and REFUSED upstreams are skipped; with none left the client gets SERVFAIL', async () => {
  const fail = await upstream((q) => rcodeAnswer(q, 2));
  const refuse = await upstream((q) => rcodeAnswer(q, 5));
  const nx = await upstream((q) => rcodeAnswer(q, 3));
  const a = await server([fail.addr, refuse.addr, nx.addr]);
  const r1 = (await udpAsk(a.port, query('gone.example', 'A', 5)))!.msg;
  assert.equal(rcode(r1), 3, 'NXDOMAIN is an answer');
  assert.equal(r1.id, 5);
  const silent = await upstream(() => null);
  const b = await server([fail.addr, silent.addr, refuse.addr], { upstreamTimeoutMs: 100 });
  const r2 = (await udpAsk(b.port, query('gone.example', 'A', 6)))!.msg;
  assert.equal(rcode(r2), 2);
  assert.equal(r2.id, 6);
  assert.ok(!r2.flag_ra, 'miekg SetRcode sets no RA');
  assert.deepEqual(r2.questions, [{ name: 'gone.example', type: 'A', class: 'IN' }]);
  // no upstreams at all (an internal network), or only unusable ones
  const c = await server(['not-an-ip', '']);
  assert.equal(rcode((await udpAsk(c.port, query('x.example')))!.msg), 2);
});

test('at most 3 upstreams are tried, our own address is never one of them', async () => {
  const fail = await upstream((q) => rcodeAnswer(q, 2));
  const fourth = await upstream((q) => answerA(q, ['1.1.1.1']));
  let ownPort = 0;
  const dns = new EmbeddedDns({ log: nopLogger, resolve: () => undefined, reverse: () => undefined, upstreams: () => [`${LO}:${ownPort}`, fail.addr, fail.addr, fail.addr, fourth.addr] });
  servers.push(dns);
  ownPort = await dns.listen(LO);
  const r = (await udpAsk(ownPort, query('loop.example')))!.msg;
  assert.equal(rcode(r), 2);
  assert.equal(fail.seen.length, 3);
  assert.equal(fourth.seen.length, 0);
});

test('resolve() or upstreams() throwing gives SERVFAIL and the server goes on', async () => {
  const dns = new EmbeddedDns({
    log: nopLogger,
    resolve: (_c, n) => {
      if (n === 'boom') throw new Error('backend down');
      return n === 'out.example' ? undefined : ['10.9.9.9'];
    },
    reverse: () => undefined,
    upstreams: () => {
      throw new Error('no config');
    },
  });
  servers.push(dns);
  const port = await dns.listen(LO);
  assert.equal(rcode((await udpAsk(port, query('boom')))!.msg), 2);
  assert.equal(rcode((await udpAsk(port, query('out.example')))!.msg), 2);
  assert.equal(((await udpAsk(port, query('fine')))!.msg.answers![0] as dnsPacket.StringAnswer).data, '10.9.9.9');
});

test('ndots set: a single-label name not ours gets an empty NOERROR instead of going out', async () => {
  const up = await upstream((q) => answerA(q, ['1.1.1.1']));
  const { port } = await server([up.addr], { ndotsSet: () => true });
  const r = (await udpAsk(port, query('printer')))!.msg;
  assert.equal(rcode(r), 0);
  assert.equal(r.answers!.length, 0);
  assert.equal(up.seen.length, 0);
  assert.equal((await udpAsk(port, query('printer.example')))!.msg.answers!.length, 1);
});

test('beyond maxConcurrentForwards a query is REFUSED at once', async () => {
  const silent = await upstream(() => null);
  const { port } = await server([silent.addr], { maxConcurrentForwards: 1, upstreamTimeoutMs: 400 });
  const first = udpAsk(port, query('a.example', 'A', 1));
  await new Promise((r) => setTimeout(r, 50));
  const second = (await udpAsk(port, query('b.example', 'A', 2)))!.msg;
  assert.equal(rcode(second), 5);
  assert.equal(rcode((await first)!.msg), 2);
});

// ---- malformed input ----

test('FORMERR for a question count other than 1, NOTIMP for other opcodes (header only)', async () => {
  const { port } = await server();
  const none = (await udpAsk(port, dnsPacket.encode({ id: 11, type: 'query', flags: RD, questions: [] })))!.msg;
  assert.deepEqual([none.id, rcode(none), none.questions!.length, none.flag_rd], [11, 1, 0, true]);
  const two = (await udpAsk(port, dnsPacket.encode({ id: 12, type: 'query', questions: [{ type: 'A', name: 'web' }, { type: 'A', name: 'db' }] })))!.msg;
  assert.deepEqual([two.id, rcode(two), two.questions!.length], [12, 1, 0]);
  const update = (await udpAsk(port, dnsPacket.encode({ id: 13, type: 'query', flags: 5 << 11, questions: [{ type: 'SOA', name: 'zone' }] })))!.msg;
  assert.deepEqual([update.id, rcode(update), ((update.flags ?? 0) >> 11) & 0xf], [13, 4, 5]);
});

test('garbage and responses are dropped without a reply, and the server still answers', async () => {
  const { port } = await server();
  const junk = [Buffer.from([1, 2, 3]), Buffer.alloc(0), Buffer.from('ffffffffffffffffffffffffffffffffffffffff', 'hex'), query('web').subarray(0, 20)];
  junk.push(dnsPacket.encode({ id: 1, type: 'response', questions: [{ type: 'A', name: 'web' }] }));
  const bad = Buffer.from(query('web'));
  bad[12] = 0xc0; // a compression pointer where the question starts
  bad[13] = 0x0c; // ... pointing at itself
  junk.push(bad);
  for (let i = 0; i < 200; i++) junk.push(Buffer.from(Array.from({ length: 12 + (i % 40) }, () => Math.floor(Math.random() * 256))).fill(0, 2, 3));
  const replies = await Promise.all(junk.slice(0, 6).map((j) => udpAsk(port, j, 300)));
  assert.deepEqual(replies, [undefined, undefined, undefined, undefined, undefined, undefined]);
  await Promise.all(junk.slice(6).map((j) => udpAsk(port, j, 100)));
  // over TCP too: a garbage frame is dropped, the next query on the connection is answered
  const [r] = await tcpAsk(port, [frame(Buffer.from([9, 9, 9])), frame(query('web', 'A', 77))], 1);
  assert.equal(r!.id, 77);
  assert.equal(((await udpAsk(port, query('web')))!.msg.answers![0] as dnsPacket.StringAnswer).data, '10.0.0.2');
});

// ---- TCP ----

test('TCP: several queries per connection, in one write or split across writes', async () => {
  const up = await upstream((q) => answerA(q, ['203.0.113.9']));
  const { port } = await server([up.addr]);
  const all = Buffer.concat([frame(query('web', 'A', 1)), frame(query('db', 'A', 2)), frame(query('far.example', 'A', 3))]);
  const one = await tcpAsk(port, [all], 3);
  assert.deepEqual(one.map((m) => m.id).sort(), [1, 2, 3]);
  const byId = new Map(one.map((m) => [m.id, m]));
  assert.equal(byId.get(1)!.answers!.length, 1);
  assert.equal(byId.get(2)!.answers!.length, 3);
  assert.equal((byId.get(3)!.answers![0] as dnsPacket.StringAnswer).data, '203.0.113.9');
  assert.equal(up.seen.at(-1)!.t, 'tcp', 'a TCP query goes out over TCP');
  const f = frame(query('web', 'A', 4));
  const bytes = [...f].map((b) => Buffer.from([b]));
  const split = await tcpAsk(port, [...bytes, frame(query('web', 'A', 5))], 2);
  assert.deepEqual(split.map((m) => m.id), [4, 5]);
});

test('TCP: an idle connection is closed; a half-closed one still gets its replies', async () => {
  const { port } = await server([], { tcpIdleTimeoutMs: 150 });
  const closedAfter = await new Promise<number>((resolve) => {
    const t0 = Date.now();
    const s = net.connect(port, LO);
    s.on('close', () => resolve(Date.now() - t0));
    s.on('error', () => {});
  });
  assert.ok(closedAfter >= 100 && closedAfter < 1500, `${closedAfter} ms`);
  const got = await new Promise<DecodedPacket[]>((resolve) => {
    const s = net.connect(port, LO, () => s.end(Buffer.concat([frame(query('web', 'A', 8)), frame(query('db', 'A', 9))])));
    const rd = new FrameReader();
    const out: DecodedPacket[] = [];
    s.on('data', (c: Buffer) => out.push(...rd.push(c).map((m) => dnsPacket.decode(m))));
    s.on('close', () => resolve(out));
  });
  assert.deepEqual(got.map((m) => m.id).sort(), [8, 9]);
});

// ---- listening ----

test('listen: one port for UDP and TCP; idempotent per host; close frees it', async () => {
  const dns = new EmbeddedDns({ log: nopLogger, resolve: () => ['10.0.0.1'], reverse: () => undefined, upstreams: () => [] });
  servers.push(dns);
  const [p1, p2] = await Promise.all([dns.listen(LO), dns.listen(LO)]);
  assert.equal(p1, p2);
  assert.equal(await dns.listen(LO, p1), p1);
  assert.equal(dns.port(LO), p1);
  await assert.rejects(dns.listen(LO, p1 === 65535 ? 65534 : p1 + 1), /already served/);
  await assert.rejects(dns.listen('localhost'), /not an IP address/);
  assert.equal((await udpAsk(p1, query('x')))!.msg.answers!.length, 1);
  assert.equal((await tcpAsk(p1, [frame(query('x'))], 1))[0]!.answers!.length, 1);
  // a port taken by someone else
  const other = new EmbeddedDns({ log: nopLogger, resolve: () => undefined, reverse: () => undefined, upstreams: () => [] });
  await assert.rejects(other.listen(LO, p1), (e: Error) => /cannot listen/.test(e.message));
  await dns.close(LO);
  assert.equal(dns.port(LO), undefined);
  assert.equal(await udpAsk(p1, query('x'), 200), undefined);
  assert.equal(await other.listen(LO, p1), p1, 'the port is free again');
  await other.closeAll();
  await dns.close(LO);
});

test('parseUpstream and FrameReader', () => {
  assert.deepEqual(parseUpstream('8.8.8.8'), { host: '8.8.8.8', port: 53 });
  assert.deepEqual(parseUpstream('127.0.0.53:5353'), { host: '127.0.0.53', port: 5353 });
  assert.deepEqual(parseUpstream('2001:db8::1'), { host: '2001:db8::1', port: 53 });
  assert.deepEqual(parseUpstream('[2001:db8::1]:54'), { host: '2001:db8::1', port: 54 });
  for (const bad of ['', 'dns.google', '1.2.3.4:0', '1.2.3.4:70000', '[::1', '1.2.3']) assert.equal(parseUpstream(bad), undefined, bad);
  const r = new FrameReader();
  const f = Buffer.concat([frame(Buffer.from('abc')), frame(Buffer.from('de'))]);
  assert.deepEqual(r.push(f.subarray(0, 4)).map(String), []);
  assert.deepEqual(r.push(f.subarray(4, 8)).map(String), ['abc']);
  assert.equal(r.pending(), 3);
  assert.deepEqual(r.push(f.subarray(8)).map(String), ['de']);
  assert.equal(r.pending(), 0);
});
