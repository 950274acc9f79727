/**
 * Test support: a software WebAuthn authenticator on node:crypto (ES256 keys,
 * "none" attestation), so tests make real registration and sign-in responses,
 * and, one check at a time, wrong ones. Not for production use.
 */
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';

type CborValue = number | string | Uint8Array | Map<CborValue, CborValue>;

function cborHead(major: number, length: number): Buffer {
  if (length < 24) return Buffer.from([(major << 5) | length]);
  if (length < 0x100) return Buffer.from([(major << 5) | 24, length]);
  if (length < 0x10000) return Buffer.from([(major << 5) | 25, length >> 8, length & 0xff]);
  const head = Buffer.alloc(5);
  head[0] = (major << 5) | 26;
  head.writeUInt32BE(length, 1);
  return head;
}

/** The few CBOR types a "none" attestation and a COSE key need (RFC 8949): integers, text, bytes, maps. */
function cbor(value: CborValue): Buffer {
  if (typeof value === 'number') return value >= 0 ? cborHead(0, value) : cborHead(1, -1 - value);
  if (typeof value === 'string') {
    const text = Buffer.from(value, 'utf8');
    return Buffer.concat([cborHead(3, text.length), text]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([cborHead(2, value.length), value]);
  return Buffer.concat([cborHead(5, value.size), ...[...value].flatMap(([k, v]) => [cbor(k), cbor(v)])]);
}

const FLAG_USER_PRESENT = 0x01;
const FLAG_USER_VERIFIED = 0x04;
const FLAG_ATTESTED_CREDENTIAL = 0x40;

/** What a test may falsify in one response; everything else is as an honest authenticator makes it. */
export interface ResponseOverrides {
  origin?: string;
  /** clientDataJSON's type (`webauthn.create` / `webauthn.get`). */
  type?: string;
  challenge?: string;
  /** The RP ID whose hash goes into the authenticator data. */
  rpId?: string;
  isUserPresent?: boolean;
  isUserVerified?: boolean;
  /** The sign counter to report (default: the credential's next). */
  counter?: number;
  /** Sign with a key other than the credential's. */
  isSignatureForged?: boolean;
  /** The user handle to report (default: the credential's). */
  userHandle?: string;
}

interface StoredCredential {
  id: Buffer;
  privateKey: KeyObject;
  rpId: string;
  userHandle: string;
  counter: number;
}

/** Options as the API answers them (the fields this authenticator reads). */
interface CreationOptions {
  challenge: string;
  rp: { id?: string | undefined };
  user: { id: string };
  excludeCredentials?: { id: string }[] | undefined;
}
interface RequestOptions {
  challenge: string;
  rpId?: string | undefined;
}

export class SoftwareAuthenticator {
  readonly #credentials: StoredCredential[] = [];

  /** `origin`: the page the browser would be on; `counterStep`: 0 for an authenticator that keeps no counter. */
  constructor(
    readonly origin: string,
    private readonly options: { counterStep?: number } = {},
  ) {}

  /** The credential ids held (base64url). */
  get credentialIds(): string[] {
    return this.#credentials.map((credential) => credential.id.toString('base64url'));
  }

  /** `navigator.credentials.create()`: a new ES256 credential, attested with "none". */
  create(
    options: CreationOptions,
    overrides: ResponseOverrides & { credentialId?: Buffer } = {},
  ): RegistrationResponseJSON {
    const rpId = options.rp.id ?? new URL(this.origin).hostname;
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const publicKeyCose = cbor(
      new Map<CborValue, CborValue>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, Buffer.from(jwk.x ?? '', 'base64url')],
        [-3, Buffer.from(jwk.y ?? '', 'base64url')],
      ]),
    );
    const id = overrides.credentialId ?? randomBytes(32);
    const counter = overrides.counter ?? 0;
    const credentialIdLength = Buffer.alloc(2);
    credentialIdLength.writeUInt16BE(id.length);
    const authData = Buffer.concat([
      this.#authDataStart(overrides.rpId ?? rpId, FLAG_ATTESTED_CREDENTIAL, overrides, counter),
      Buffer.alloc(16), // AAGUID: none
      credentialIdLength,
      id,
      publicKeyCose,
    ]);
    const attestationObject = cbor(
      new Map<CborValue, CborValue>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]),
    );
    this.#credentials.push({ id, privateKey, rpId, userHandle: options.user.id, counter });
    const clientDataJSON = this.#clientData('webauthn.create', options.challenge, overrides);
    return {
      id: id.toString('base64url'),
      rawId: id.toString('base64url'),
      type: 'public-key',
      response: {
        clientDataJSON: clientDataJSON.toString('base64url'),
        attestationObject: attestationObject.toString('base64url'),
        transports: ['internal'],
      },
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
    };
  }

  /** `navigator.credentials.get()` with a discoverable credential (the first one held, or `credentialId`). */
  get(
    options: RequestOptions,
    overrides: ResponseOverrides & { credentialId?: string } = {},
  ): AuthenticationResponseJSON {
    const credential = overrides.credentialId
      ? this.#credentials.find((c) => c.id.toString('base64url') === overrides.credentialId)
      : this.#credentials[0];
    if (!credential) throw new Error('this authenticator holds no such credential');
    const rpId = options.rpId ?? credential.rpId;
    credential.counter += this.options.counterStep ?? 1;
    const counter = overrides.counter ?? credential.counter;
    const authData = this.#authDataStart(overrides.rpId ?? rpId, 0, overrides, counter);
    const clientDataJSON = this.#clientData('webauthn.get', options.challenge, overrides);
    const signed = Buffer.concat([authData, createHash('sha256').update(clientDataJSON).digest()]);
    const key = overrides.isSignatureForged
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
      : credential.privateKey;
    return {
      id: credential.id.toString('base64url'),
      rawId: credential.id.toString('base64url'),
      type: 'public-key',
      response: {
        clientDataJSON: clientDataJSON.toString('base64url'),
        authenticatorData: authData.toString('base64url'),
        signature: sign('sha256', signed, key).toString('base64url'),
        userHandle: overrides.userHandle ?? credential.userHandle,
      },
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
    };
  }

  #authDataStart(rpId: string, extraFlags: number, overrides: ResponseOverrides, counter: number): Buffer {
    const flags =
      extraFlags |
      (overrides.isUserPresent === false ? 0 : FLAG_USER_PRESENT) |
      (overrides.isUserVerified === false ? 0 : FLAG_USER_VERIFIED);
    const signCount = Buffer.alloc(4);
    signCount.writeUInt32BE(counter);
    return Buffer.concat([createHash('sha256').update(rpId).digest(), Buffer.from([flags]), signCount]);
  }

  #clientData(type: string, challenge: string, overrides: ResponseOverrides): Buffer {
    return Buffer.from(
      JSON.stringify({
        type: overrides.type ?? type,
        challenge: overrides.challenge ?? challenge,
        origin: overrides.origin ?? this.origin,
        crossOrigin: false,
      }),
      'utf8',
    );
  }
}
