// The HTTPS plumbing on its own: a handler that throws gives a 500 in the service's error shape,
// the request is recorded, and the server keeps serving; faults are consumed in order.
import tls from 'node:tls';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { armErrorReply } from './arm.ts';
import { createServerCertificates } from './certs.ts';
import { FaultQueue, startService, stopServer } from './server.ts';
import type { RecordedRequest } from './server.ts';

const certs = createServerCertificates();
const faults = new FaultQueue();
const recorded: RecordedRequest[] = [];
let origin = '';
let stop: () => Promise<void> = async () => {};

beforeAll(async () => {
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), certs.caPem]);
  const started = await startService({
    service: 'arm',
    cert: certs.certPem,
    key: certs.keyPem,
    faults,
    latencyMs: () => 0,
    record: (r) => recorded.push(r),
    errorReply: (status, code, message, details) => armErrorReply(status, code, message, details),
    handler: (ctx) => {
      if (ctx.path === '/boom') throw new Error('boom');
      return { status: 200, body: { ok: true, echoed: ctx.body.toString('utf8') } };
    },
  });
  origin = started.origin;
  stop = () => stopServer(started.server);
});
afterAll(async () => {
  await stop();
});

it('listens on 127.0.0.1 only', () => {
  expect(new URL(origin).hostname).toBe('127.0.0.1');
});

it('a handler that throws: 500 InternalServerError, recorded, and the server keeps serving', async () => {
  const res = await fetch(`${origin}/boom`);
  expect(res.status).toBe(500);
  expect(await res.json()).toMatchObject({ error: { code: 'InternalServerError', message: expect.stringContaining('boom') } });
  expect(recorded.at(-1)).toMatchObject({ path: '/boom', status: 500, errorCode: 'InternalServerError' });
  const ok = await fetch(`${origin}/fine`, { method: 'POST', body: 'hello' });
  expect(await ok.json()).toEqual({ ok: true, echoed: 'hello' });
});

it('faults match by method and path, are used up in order, and carry Retry-After and headers', async () => {
  faults.add({
    method: 'GET',
    path: '/a',
    times: 2,
    status: 503,
    code: 'ServerBusy',
    retryAfter: 3,
    headers: { 'x-extra': '1' },
  });
  faults.add({ path: /^\/b$/, status: 404, code: 'Gone' });
  const first = await fetch(`${origin}/a`);
  expect(first.status).toBe(503);
  expect(first.headers.get('retry-after')).toBe('3');
  expect(first.headers.get('x-extra')).toBe('1');
  expect((await fetch(`${origin}/a`, { method: 'POST' })).status).toBe(200);
  expect((await fetch(`${origin}/b`)).status).toBe(404);
  expect((await fetch(`${origin}/A`)).status).toBe(503);
  expect((await fetch(`${origin}/a`)).status).toBe(200);
  expect((await fetch(`${origin}/b`)).status).toBe(200);
});
