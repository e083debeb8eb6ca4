/**
 * The call layer under ContainerdClient: one grpc-js channel per connection, method definitions
 * looked up once, the `containerd-namespace` (and optional `containerd-lease`) header on every
 * call, ctx.signal cancelling the call, and gRPC statuses mapped to error kinds (./errors.ts).
 */
import grpc from '@grpc/grpc-js';
import type { Ctx } from '../lib/index.js';
import { fromGrpcError } from './errors.js';
import { definitions, type Definitions, type MethodDef } from './protos.js';

/** containerd's default max message size (its grpc.max_recv/send_message_size). */
const MAX_MESSAGE_BYTES = 16 << 20;
/** Messages a server stream buffers before the call is paused (flow control then holds the server). */
const STREAM_HIGH_WATER = 64;

/** `unix://` + path, unless the address already has a scheme. */
export function grpcTarget(address: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(address)) return address;
  return `unix://${address}`;
}

/** One channel to containerd, shared by every namespace/lease view of a client. */
export class Connection {
  readonly client: grpc.Client;
  private readonly defs: Definitions;
  private readonly methods = new Map<string, MethodDef>();

  constructor(readonly address: string) {
    this.defs = definitions();
    this.client = new grpc.Client(grpcTarget(address), grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
      // A local socket: reconnect quickly after containerd restarts.
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1000,
    });
  }

  method(service: string, name: string): MethodDef {
    const key = `${service}/${name}`;
    let m = this.methods.get(key);
    if (!m) {
      m = this.defs.method(service, name);
      this.methods.set(key, m);
    }
    return m;
  }

  close(): void {
    this.client.close();
  }
}

/** A bidirectional stream used in lock step: send a request, then receive its response. */
export interface BidiStream<Req, Res> {
  send(req: Partial<Req>): void;
  /** Sends a request already encoded in protobuf's wire format (a hot path's own encoder). */
  sendEncoded(bytes: Buffer): void;
  /** The next response; rejects with the mapped error when the call fails or ends early. */
  recv(): Promise<Res>;
  /** Half-closes the sending side. */
  closeSend(): void;
  /** Cancels the call (idempotent). */
  cancel(): void;
}

/** Calls under one namespace (and optionally one lease). Cheap: shares the Connection. */
export class Rpc {
  private readonly md: grpc.Metadata;

  constructor(
    readonly conn: Connection,
    readonly namespace: string,
    readonly lease?: string,
  ) {
    this.md = new grpc.Metadata();
    this.md.set('containerd-namespace', namespace);
    if (lease) this.md.set('containerd-lease', lease);
  }

  /** A unary call. */
  unary<Res>(ctx: Ctx, service: string, name: string, req: object): Promise<Res> {
    const m = this.conn.method(service, name);
    const signal = ctx.signal;
    return new Promise<Res>((resolve, reject) => {
      if (signal.aborted) {
        reject(fromGrpcError(signal.reason, signal));
        return;
      }
      let call: grpc.ClientUnaryCall | undefined;
      const onAbort = () => call?.cancel();
      signal.addEventListener('abort', onAbort, { once: true });
      call = this.conn.client.makeUnaryRequest<unknown, unknown>(
        m.path,
        m.requestSerialize,
        m.responseDeserialize,
        req,
        this.md.clone(),
        {},
        (err, res) => {
          signal.removeEventListener('abort', onAbort);
          if (err) reject(fromGrpcError(err, signal));
          else resolve(res as Res);
        },
      );
    });
  }

  /**
   * A server-streaming call. The call starts now (so a subscription is active when this
   * returns) and its messages queue until iterated (the call is paused while STREAM_HIGH_WATER
   * messages wait). Iterate to the end, or break out of the loop / abort ctx to cancel it. A
   * failure surfaces after the messages received before it.
   */
  serverStream<Res>(ctx: Ctx, service: string, name: string, req: object): AsyncIterable<Res> {
    const m = this.conn.method(service, name);
    const signal = ctx.signal;
    if (signal.aborted) {
      const err = fromGrpcError(signal.reason, signal);
      return {
        [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(err) }),
      };
    }
    const call = this.conn.client.makeServerStreamRequest<unknown, unknown>(
      m.path,
      m.requestSerialize,
      m.responseDeserialize,
      req,
      this.md.clone(),
      {},
    );
    const queue: Res[] = [];
    let failure: unknown;
    let done = false;
    let wake: (() => void) | undefined;
    const notify = () => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    // grpc-js emits 'error' (non-OK status) right after the last message is pushed and before
    // 'end'; 'close' covers a stream that is destroyed instead of ended.
    call.on('data', (msg: unknown) => {
      queue.push(msg as Res);
      if (queue.length >= STREAM_HIGH_WATER) call.pause();
      notify();
    });
    call.on('error', (e: unknown) => {
      failure ??= fromGrpcError(e, signal);
      notify();
    });
    const finish = () => {
      done = true;
      notify();
    };
    call.on('end', finish);
    call.on('close', finish);
    const onAbort = () => call.cancel();
    signal.addEventListener('abort', onAbort, { once: true });
    async function* iterate(): AsyncGenerator<Res> {
      try {
        for (;;) {
          const msg = queue.shift();
          if (msg !== undefined) {
            if (queue.length < STREAM_HIGH_WATER / 2 && call.isPaused()) call.resume();
            yield msg;
          } else if (done) {
            if (failure !== undefined) throw failure;
            return;
          } else {
            await new Promise<void>((resolve) => (wake = resolve));
          }
        }
      } finally {
        signal.removeEventListener('abort', onAbort);
        call.cancel();
      }
    }
    return iterate();
  }

  /** Collects a server stream into an array. */
  async collect<Res>(ctx: Ctx, service: string, name: string, req: object): Promise<Res[]> {
    const out: Res[] = [];
    for await (const msg of this.serverStream<Res>(ctx, service, name, req)) out.push(msg);
    return out;
  }

  /** A bidirectional-streaming call, driven in lock step (content writes). */
  bidi<Req, Res>(ctx: Ctx, service: string, name: string): BidiStream<Req, Res> {
    const m = this.conn.method(service, name);
    const signal = ctx.signal;
    // A Buffer is a request encoded by the caller (sendEncoded); anything else goes through protobufjs.
    const serialize = (req: unknown): Buffer => (Buffer.isBuffer(req) ? req : m.requestSerialize(req));
    const call = this.conn.client.makeBidiStreamRequest<unknown, unknown>(m.path, serialize, m.responseDeserialize, this.md.clone(), {});
    const queue: Res[] = [];
    const waiters: { resolve: (r: Res) => void; reject: (e: unknown) => void }[] = [];
    let failure: unknown;
    const fail = (e: unknown) => {
      if (failure !== undefined) return;
      failure = e;
      for (const w of waiters.splice(0)) w.reject(e);
    };
    const onAbort = () => call.cancel();
    if (signal.aborted) fail(fromGrpcError(signal.reason, signal));
    else signal.addEventListener('abort', onAbort, { once: true });
    call.on('data', (msg: unknown) => {
      const w = waiters.shift();
      if (w) w.resolve(msg as Res);
      else queue.push(msg as Res);
    });
    call.on('error', (e: unknown) => {
      signal.removeEventListener('abort', onAbort);
      fail(fromGrpcError(e, signal));
    });
    call.on('end', () => {
      signal.removeEventListener('abort', onAbort);
      fail(new Error(`containerd closed ${m.path} stream`));
    });
    return {
      send: (req) => {
        if (failure === undefined) call.write(req);
      },
      sendEncoded: (bytes) => {
        if (failure === undefined) call.write(bytes);
      },
      recv: () => {
        const msg = queue.shift();
        if (msg !== undefined) return Promise.resolve(msg);
        if (failure !== undefined) return Promise.reject(failure);
        return new Promise<Res>((resolve, reject) => waiters.push({ resolve, reject }));
      },
      closeSend: () => call.end(),
      cancel: () => {
        signal.removeEventListener('abort', onAbort);
        call.cancel();
      },
    };
  }
}
