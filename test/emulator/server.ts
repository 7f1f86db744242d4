// One HTTPS server per service on 127.0.0.1: reads the request, waits the service's latency, answers
// injected faults, calls the service's handler, writes and records the answer. A handler that throws
// gets a 500 in the service's error shape; the server keeps serving.
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
  /** Milliseconds since the epoch, fractional. */
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

export interface Fault {
  service?: Service;
  method?: string;
  path?: string | RegExp;
  times?: number;
  status: number;
  code?: string;
  message?: string;
  retryAfter?: number;
  details?: { code: string; message: string }[];
  headers?: Record<string, string>;
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

function writeReply(res: ServerResponse, reply: Reply, common: Record<string, string>): void {
  const headers: Record<string, string> = { ...common, ...reply.headers };
  let payload = '';
  if (reply.body !== undefined) {
    payload = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
      headers['Content-Type'] = 'application/json; charset=utf-8';
  }
  headers['Content-Length'] = String(Buffer.byteLength(payload));
  res.writeHead(reply.status, headers);
  res.end(payload);
}

export async function startService(opts: ServiceOptions): Promise<{ server: Server; origin: string }> {
  const server = createServer({ cert: opts.cert, key: opts.key }, (req, res) => {
    void handle(req, res);
  });

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
    let reply: Reply;
    try {
      const body = await readBody(req);
      const latency = opts.latencyMs();
      if (latency > 0) await sleep(latency);
      const fault = opts.faults.take(opts.service, method, url.pathname);
      if (fault) {
        reply = opts.errorReply(
          fault.status,
          fault.code ?? 'InjectedFault',
          fault.message ?? 'Injected by the emulator.',
          fault.details,
        );
        reply.headers = {
          ...reply.headers,
          ...fault.headers,
          ...(fault.retryAfter !== undefined ? { 'Retry-After': String(fault.retryAfter) } : {}),
        };
      } else {
        reply = await opts.handler({
          service: opts.service,
          method,
          url,
          path: url.pathname,
          query: record.query,
          headers: req.headers,
          body,
          record,
        });
      }
    } catch (e: unknown) {
      reply = opts.errorReply(
        500,
        'InternalServerError',
        `The emulator failed to handle the request: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    try {
      writeReply(res, reply, opts.commonHeaders?.() ?? {});
    } catch {
      res.destroy();
    }
    record.status = reply.status;
    if (reply.errorCode) record.errorCode = reply.errorCode;
    record.endedAt = nowMs();
    opts.record(record);
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
  return { server, origin: `https://127.0.0.1:${port}` };
}

export function stopServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
