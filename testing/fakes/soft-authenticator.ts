/**
 * A software WebAuthn authenticator for unit tests and the offline journey tests' virtual passkey: real ES256 keys (node crypto), real CBOR
 * attestation objects ("none") and real signatures over authenticator data and the client data
 * hash, so the server library verifies them exactly as it verifies a browser's. Each knob a test
 * turns (origin, RP id, flags, counter) changes only what a broken or hostile client would.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

const b64url = (bytes: Uint8Array | Buffer) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

export interface CeremonyOptions {
  /** The page's origin, as the browser writes it into clientDataJSON. */
  origin?: string;
  /** The RP id hashed into the authenticator data (a browser uses the options' rpId). */
  rpId?: string;
  userVerified?: boolean;
  /** Overrides the counter the authenticator reports. */
  signCount?: number;
  /** Overrides the challenge signed (a replay signs an old one). */
  challenge?: string;
}

export class SoftAuthenticator {
  readonly credentialId = randomBytes(16);
  private readonly privateKey: KeyObject;
  private readonly publicJwk: { x: string; y: string };
  signCount: number;
  userHandle: string | null = null;

  constructor(
    readonly defaults: { origin: string; rpId: string },
    options: { backupEligible?: boolean; startCount?: number } = {},
  ) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = privateKey;
    this.publicJwk = publicKey.export({ format: 'jwk' }) as { x: string; y: string };
    this.backupEligible = options.backupEligible ?? false;
    this.signCount = options.startCount ?? 0;
  }
  readonly backupEligible: boolean;

  get id(): string {
    return b64url(this.credentialId);
  }

  /** The credential's COSE public key (base64url), as a relying party stores it after registration. */
  get publicKeyCose(): string {
    return b64url(isoCBOR.encode(this.cose()));
  }

  private cose(): Map<number, number | Uint8Array> {
    return new Map<number, number | Uint8Array>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, Buffer.from(this.publicJwk.x, 'base64url')],
      [-3, Buffer.from(this.publicJwk.y, 'base64url')],
    ]);
  }

  /** navigator.credentials.create with `options` (PublicKeyCredentialCreationOptionsJSON). */
  create(options: { challenge: string; rp: { id?: string }; user: { id: string } }, ceremony: CeremonyOptions = {}) {
    this.userHandle = options.user.id;
    const cose = this.cose();
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(this.credentialId.length);
    const attested = Buffer.concat([Buffer.alloc(16), idLength, this.credentialId, Buffer.from(isoCBOR.encode(cose))]);
    const authData = this.authenticatorData(ceremony.rpId ?? options.rp.id ?? this.defaults.rpId, ceremony, attested);
    const attestationObject = isoCBOR.encode(new Map<string, unknown>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]) as never);
    const clientDataJSON = this.clientData('webauthn.create', ceremony.challenge ?? options.challenge, ceremony);
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: { clientDataJSON: b64url(clientDataJSON), attestationObject: b64url(attestationObject), transports: ['internal'] },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /** navigator.credentials.get with `options` (PublicKeyCredentialRequestOptionsJSON); counts one use. */
  get(options: { challenge: string; rpId?: string }, ceremony: CeremonyOptions = {}) {
    if (ceremony.signCount === undefined && this.signCount > 0) this.signCount += 1;
    const authData = this.authenticatorData(ceremony.rpId ?? options.rpId ?? this.defaults.rpId, ceremony);
    const clientDataJSON = this.clientData('webauthn.get', ceremony.challenge ?? options.challenge, ceremony);
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), this.privateKey);
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        ...(this.userHandle ? { userHandle: this.userHandle } : {}),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  private clientData(type: string, challenge: string, ceremony: CeremonyOptions): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin: ceremony.origin ?? this.defaults.origin, crossOrigin: false }));
  }

  private authenticatorData(rpId: string, ceremony: CeremonyOptions, attested?: Buffer): Buffer {
    // UP, UV, BE, BS (backed up when eligible), AT when attested credential data follows.
    let flags = 0x01;
    if (ceremony.userVerified ?? true) flags |= 0x04;
    if (this.backupEligible) flags |= 0x08 | 0x10;
    if (attested) flags |= 0x40;
    const count = Buffer.alloc(4);
    count.writeUInt32BE(ceremony.signCount ?? this.signCount);
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), count, ...(attested ? [attested] : [])]);
  }
}
