/**
 * The authenticator app of the offline journey tests: holds a TOTP secret (one it was given at
 * seeding, or one it read from an enrolment step's `otpauth://` URI) and shows the code of the
 * test clock's current time step, computed by otplib as a real app would.
 */
import { NodeCryptoPlugin } from '@otplib/plugin-crypto-node';
import { ScureBase32Plugin, generateSecret, generateSync } from 'otplib';

const crypto = new NodeCryptoPlugin();
const base32 = new ScureBase32Plugin();

export class TotpDevice {
  private constructor(
    readonly secret: string,
    private readonly now: () => Date,
    private readonly params: { algorithm: 'sha1' | 'sha256' | 'sha512'; digits: 6 | 8; period: number },
  ) {}

  static generate(now: () => Date): TotpDevice {
    return new TotpDevice(generateSecret({ length: 20, crypto, base32 }), now, { algorithm: 'sha1', digits: 6, period: 30 });
  }

  /** Scans what an enrolment step shows: its `otpauth://totp/…?secret=…` URI. */
  static scan(uri: string, now: () => Date): TotpDevice {
    const url = new URL(uri);
    const secret = url.searchParams.get('secret');
    if (url.protocol !== 'otpauth:' || !secret) throw new Error(`not an otpauth URI: ${uri}`);
    const algorithm = (url.searchParams.get('algorithm') ?? 'SHA1').toLowerCase() as 'sha1' | 'sha256' | 'sha512';
    const digits = Number(url.searchParams.get('digits') ?? 6) as 6 | 8;
    const period = Number(url.searchParams.get('period') ?? 30);
    return new TotpDevice(secret, now, { algorithm, digits, period });
  }

  code(): string {
    return generateSync({ secret: this.secret, epoch: Math.floor(this.now().getTime() / 1000), crypto, base32, ...this.params });
  }
}
