// One HTTPS server per service on 127.0.0.1: reads the request, waits the service's latency, applies
// injected faults (status answers, hangs, slow and corrupt answers), calls the service's handler,
// writes and records the answer. A handler that throws gets a 500 in the service's error shape; the
// server keeps serving. Stopping aborts every wait and closes every connection, hung ones included.
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

export type Service = 'arm' | 'login' | 'oidc' | 'github';

export interface RecordedRequest {
  service: Service;
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  errorCode?: string;
  /** Tenant of the primary bearer token (ARM) or of the token request (login). */
  tenant?: string;
  /** Tenants of the valid auxiliary tokens (ARM). */
  auxTenants: string[];
  appId?: string;
  /** The injected fault this request met, if any. */
  fault?: FaultKind;
  /** Milliseconds since the epoch, fractional; a hung request ends when its connection closes. */
  startedAt: number;
  endedAt: number;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** Serialized as JSON unless it is a string; undefined: empty body. */
  body?: unknown;
  errorCode?: string;
}

export interface RequestContext {
  service: Service;
  method: string;
  url: URL;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Handlers fill tenant, auxTenants and appId. */
  record: RecordedRequest;
}

export type Handler = (ctx: RequestContext) => Reply | Promise<Reply>;

/** Which requests a fault applies to, and how many times (default 1). */
export interface FaultMatch {
  service?: Service;
  method?: string;
  /** A RegExp on the path, or a case-insensitive substring of it. */
  path?: string | RegExp;
  times?: number;
}

/** Answer with this status and error instead of processing the request. */
export interface StatusFault extends FaultMatch {
  status: number;
  code?: string;
  message?: string;
  retryAfter?: number;
  details?: { code: string; message: string }[];
  headers?: Record<string, string>;
}

/** Never answer: the client waits until it gives up or the emulator stops. */
export interface HangFault extends FaultMatch {
  hang: true;
  /** Process the request first (a PUT is accepted), then hang. Default false: not processed. */
  afterProcessing?: boolean;
}

/** Answer after `delayMs` more, on top of the service's latency. */
export interface SlowFault extends FaultMatch {
  delayMs: number;
  /** Process the request first, then wait before answering. Default false: wait, then process. */
  afterProcessing?: boolean;
}

/**
 * Process the request normally, then break the answer: `truncate` sends the headers with the full
 * Content-Length, half the body, and closes the connection (an answer without a body: the
 * connection closes before the headers); `empty` sends the status with an empty body.
 */
export interface CorruptFault extends FaultMatch {
  corrupt: 'truncate' | 'empty';
  /** With `empty`: the status to send instead of the real one (e.g. 200). */
  status?: number;
}

export type Fault = StatusFault | HangFault | SlowFault | CorruptFault;
export type FaultKind = 'status' | 'hang' | 'slow' | 'truncate' | 'empty';

export function faultKind(f: Fault): FaultKind {
  if ('hang' in f) return 'hang';
  if ('delayMs' in f) return 'slow';
  if ('corrupt' in f) return f.corrupt;
  return 'status';
}

export class FaultQueue {
  readonly #faults: { fault: Fault; remaining: number }[] = [];

  add(fault: Fault): void {
    this.#faults.push({ fault, remaining: fault.times ?? 1 });
  }

  /** The first fault matching this request, consuming one of its uses. */
  take(service: Service, method: string, path: string): Fault | undefined {
    const i = this.#faults.findIndex(({ fault: f }) => {
      if (f.service && f.service !== service) return false;
      if (f.method && f.method.toUpperCase() !== method) return false;
      if (f.path instanceof RegExp) return f.path.test(path);
      if (typeof f.path === 'string') return path.toLowerCase().includes(f.path.toLowerCase());
      return true;
    });
    const entry = this.#faults[i];
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.#faults.splice(i, 1);
    return entry.fault;
  }
}

export interface ServiceOptions {
  service: Service;
  cert: string;
  key: string;
  handler: Handler;
  latencyMs: () => number;
  faults: FaultQueue;
  /** The service's shape for an injected fault or an internal error. */
  errorReply: (status: number, code: string, message: string, details?: { code: string; message: string }[]) => Reply;
  record: (r: RecordedRequest) => void;
  /** Headers on every answer. */
  commonHeaders?: () => Record<string, string>;
}

const MAX_BODY = 4 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const nowMs = () => performance.timeOrigin + performance.now();

function serialize(reply: Reply, common: Record<string, string>): { headers: Record<string, string>; payload: Buffer } {
  const headers: Record<string, string> = { ...common, ...reply.headers };
  let payload = '';
  if (reply.body !== undefined) {
    payload = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
      headers['Content-Type'] = 'application/json; charset=utf-8';
  }
  headers['Content-Length'] = String(Buffer.byteLength(payload));
  return { headers, payload: Buffer.from(payload, 'utf8') };
}

function writeReply(res: ServerResponse, reply: Reply, common: Record<string, string>, corrupt?: 'truncate' | 'empty'): void {
  const { headers, payload } = serialize(reply, common);
  if (corrupt === 'empty') {
    headers['Content-Length'] = '0';
    res.writeHead(reply.status, headers);
    res.end();
    return;
  }
  if (corrupt === 'truncate') {
    if (payload.length === 0) {
      res.destroy();
      return;
    }
    res.writeHead(reply.status, { ...headers, Connection: 'close' });
    res.write(payload.subarray(0, Math.max(1, Math.floor(payload.length / 2))), () => res.destroy());
    return;
  }
  res.writeHead(reply.status, headers);
  res.end(payload);
}

export interface RunningService {
  server: Server;
  origin: string;
  /** Aborts every wait (latency, slow faults), closes every connection (hung ones too), then the server. */
  stop(): Promise<void>;
}

export async function startService(opts: ServiceOptions): Promise<RunningService> {
  const stopping = new AbortController();
  const server = createServer({ cert: opts.cert, key: opts.key }, (req, res) => {
    void handle(req, res);
  });

  const wait = (ms: number) => (ms > 0 ? sleep(ms, undefined, { signal: stopping.signal }) : Promise.resolve());

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = nowMs();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const record: RecordedRequest = {
      service: opts.service,
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: 0,
      auxTenants: [],
      startedAt,
      endedAt: startedAt,
    };
    const finish = () => {
      record.endedAt = nowMs();
      opts.record(record);
    };
    let reply: Reply | undefined;
    let fault: Fault | undefined;
    try {
      const body = await readBody(req);
      await wait(opts.latencyMs());
      fault = opts.faults.take(opts.service, method, url.pathname);
      if (fault) record.fault = faultKind(fault);
      const run = () =>
        opts.handler({ service: opts.service, method, url, path: url.pathname, query: record.query, headers: req.headers, body, record });
      if (fault && 'corrupt' in fault) {
        reply = await run();
      } else if (fault && 'status' in fault) {
        reply = opts.errorReply(fault.status, fault.code ?? 'InjectedFault', fault.message ?? 'Injected by the emulator.', fault.details);
        reply.headers = {
          ...reply.headers,
          ...fault.headers,
          ...(fault.retryAfter !== undefined ? { 'Retry-After': String(fault.retryAfter) } : {}),
        };
      } else if (fault && 'hang' in fault) {
        if (fault.afterProcessing) {
          const processed = await run();
          record.status = processed.status;
          if (processed.errorCode) record.errorCode = processed.errorCode;
        }
        // Never answered: recorded when the client gives up or the emulator stops.
        res.once('close', finish);
        return;
      } else if (fault && 'delayMs' in fault) {
        if (!fault.afterProcessing) await wait(fault.delayMs);
        reply = await run();
        if (fault.afterProcessing) await wait(fault.delayMs);
      } else {
        reply = await run();
      }
    } catch (e: unknown) {
      if (stopping.signal.aborted) {
        res.destroy();
        finish();
        return;
      }
      reply = opts.errorReply(
        500,
        'InternalServerError',
        `The emulator failed to handle the request: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    const corrupt = fault && 'corrupt' in fault ? fault : undefined;
    const sent: Reply = corrupt?.corrupt === 'empty' && corrupt.status !== undefined ? { ...reply, status: corrupt.status } : reply;
    try {
      writeReply(res, sent, opts.commonHeaders?.() ?? {}, corrupt?.corrupt);
    } catch {
      res.destroy();
    }
    record.status = sent.status;
    if (reply.errorCode) record.errorCode = reply.errorCode;
    finish();
  }

  server.on('clientError', (_err, socket) => {
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    server,
    origin: `https://127.0.0.1:${port}`,
    stop: () => {
      stopping.abort();
      return stopServer(server);
    },
  };
}

export function stopServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
