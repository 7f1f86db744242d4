// A certificate authority and one server certificate, made at start with node:crypto alone.
// X.509 is a small DER structure; writing it here avoids a dependency for ~100 lines.
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
}

const sequence = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
const octets = (b: Buffer) => tlv(0x04, b);
const explicit = (n: number, content: Buffer) => tlv(0xa0 + n, content);
const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0x00]));

function integer(value: Buffer | number): Buffer {
  let bytes = typeof value === 'number' ? Buffer.from([value]) : value;
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  bytes = bytes.subarray(i);
  if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(0x02, bytes);
}

function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const out: number[] = [(arcs[0] ?? 0) * 40 + (arcs[1] ?? 0)];
  for (const arc of arcs.slice(2)) {
    const chunk: number[] = [arc % 128];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v % 128));
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

function bitString(bytes: Buffer, unusedBits = 0): Buffer {
  return tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), bytes]));
}

/** keyUsage as a DER BIT STRING, bit 0 being the most significant bit of the first byte. */
function keyUsage(bitsSet: number[]): Buffer {
  let value = 0;
  for (const b of bitsSet) value |= 0x80 >> b;
  let unused = 0;
  while (unused < 7 && (value & (1 << unused)) === 0) unused++;
  return bitString(Buffer.from([value]), unused);
}

function time(d: Date): Buffer {
  const iso = d.toISOString(); // 2026-01-02T03:04:05.678Z
  const digits = iso.slice(0, 19).replace(/[-:T]/g, '');
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(`${digits.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${digits}Z`));
}

function name(commonName: string): Buffer {
  return sequence(
    set(sequence(oid('2.5.4.10'), utf8('Azure VNet peering emulator'))),
    set(sequence(oid('2.5.4.3'), utf8(commonName))),
  );
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [bool(true)] : []), octets(value));
}

const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';

interface CertificateInput {
  subject: string;
  issuer: string;
  subjectKey: KeyObject;
  issuerKey: KeyObject;
  issuerKeyId: Buffer;
  extensions: Buffer[];
  days: number;
}

function certificate(input: CertificateInput): Buffer {
  const now = Date.now();
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  const algorithm = sequence(oid(ECDSA_WITH_SHA256));
  const spki = input.subjectKey.export({ type: 'spki', format: 'der' });
  const tbs = sequence(
    explicit(0, integer(2)),
    integer(serial),
    algorithm,
    name(input.issuer),
    sequence(time(new Date(now - 3600_000)), time(new Date(now + input.days * 86400_000))),
    name(input.subject),
    spki,
    explicit(3, sequence(...input.extensions, extension('2.5.29.35', false, sequence(tlv(0x80, input.issuerKeyId))))),
  );
  return sequence(tbs, algorithm, bitString(sign('sha256', tbs, input.issuerKey)));
}

function pem(label: string, der: Buffer): string {
  const b64 = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

function keyId(key: KeyObject): Buffer {
  return createHash('sha1')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest();
}

export interface ServerCertificates {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** A fresh CA and a server certificate for 127.0.0.1 and localhost signed by it. */
export function createServerCertificates(): ServerCertificates {
  const ca = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const leaf = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const caKeyId = keyId(ca.publicKey);
  const caDer = certificate({
    subject: 'Azure VNet peering emulator CA',
    issuer: 'Azure VNet peering emulator CA',
    subjectKey: ca.publicKey,
    issuerKey: ca.privateKey,
    issuerKeyId: caKeyId,
    days: 30,
    extensions: [
      extension('2.5.29.19', true, sequence(bool(true), integer(0))),
      extension('2.5.29.15', true, keyUsage([5, 6])),
      extension('2.5.29.14', false, octets(caKeyId)),
    ],
  });
  const leafDer = certificate({
    subject: '127.0.0.1',
    issuer: 'Azure VNet peering emulator CA',
    subjectKey: leaf.publicKey,
    issuerKey: ca.privateKey,
    issuerKeyId: caKeyId,
    days: 30,
    extensions: [
      extension('2.5.29.19', true, sequence()),
      extension('2.5.29.15', true, keyUsage([0])),
      extension('2.5.29.37', false, sequence(oid('1.3.6.1.5.5.7.3.1'))),
      extension('2.5.29.17', false, sequence(tlv(0x82, Buffer.from('localhost')), tlv(0x87, Buffer.from([127, 0, 0, 1])))),
      extension('2.5.29.14', false, octets(keyId(leaf.publicKey))),
    ],
  });
  return {
    caPem: pem('CERTIFICATE', caDer),
    certPem: pem('CERTIFICATE', leafDer),
    keyPem: leaf.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}
