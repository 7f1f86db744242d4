// RS256 JSON Web Tokens: signing keys, signing, decoding and verifying, with node:crypto.
import { generateKeyPairSync, randomUUID, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

export type Claims = Record<string, unknown>;

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function createSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid: randomUUID().replace(/-/g, ''), privateKey, publicKey };
}

const processKeys = new Map<string, SigningKey>();

/**
 * One RSA key per purpose per process: a 2048-bit key takes ~30 ms to make and test suites start
 * dozens of emulators. Tokens stay tied to one emulator by their audience and issuer URLs.
 */
export function processSigningKey(purpose: 'entra' | 'oidc'): SigningKey {
  let key = processKeys.get(purpose);
  if (!key) {
    key = createSigningKey();
    processKeys.set(purpose, key);
  }
  return key;
}

/** The public half as a JWKS entry. */
export function jwk(key: SigningKey): Record<string, unknown> {
  const { n, e } = key.publicKey.export({ format: 'jwk' });
  return { kty: 'RSA', use: 'sig', alg: 'RS256', kid: key.kid, n, e };
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export function signJwt(claims: Claims, key: SigningKey): string {
  const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', kid: key.kid }));
  const body = b64url(JSON.stringify(claims));
  const signature = sign('sha256', Buffer.from(`${header}.${body}`), key.privateKey);
  return `${header}.${body}.${b64url(signature)}`;
}

export interface DecodedJwt {
  header: Claims;
  claims: Claims;
  signingInput: string;
  signature: Buffer;
}

function isRecord(v: unknown): v is Claims {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Splits and parses a compact JWT; undefined when it is not one. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [h = '', c = '', s = ''] = parts;
  try {
    const header: unknown = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    const claims: unknown = JSON.parse(Buffer.from(c, 'base64url').toString('utf8'));
    if (!isRecord(header) || !isRecord(claims)) return undefined;
    return { header, claims, signingInput: `${h}.${c}`, signature: Buffer.from(s, 'base64url') };
  } catch {
    return undefined;
  }
}

export function signatureValid(jwt: DecodedJwt, key: SigningKey): boolean {
  if (jwt.header['alg'] !== 'RS256') return false;
  return verify('sha256', Buffer.from(jwt.signingInput), key.publicKey, jwt.signature);
}

export function claimString(claims: Claims, name: string): string | undefined {
  const v = claims[name];
  return typeof v === 'string' ? v : undefined;
}

export function claimNumber(claims: Claims, name: string): number | undefined {
  const v = claims[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** `aud` may be a string or a list of strings. */
export function claimAudiences(claims: Claims): string[] {
  const v = claims['aud'];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return [];
}
