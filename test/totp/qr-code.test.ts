/**
 * qrCodeDataUrl: a PNG data URL whose QR code, read back by an independent decoder, is exactly the URI.
 */
import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import * as jsQRModule from 'jsqr';
import { newSecret, otpauthUri, qrCodeDataUrl } from '../../steps/totp-common/totp.js';

type JsQR = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
// jsqr is a UMD bundle: depending on the interop, the function is the namespace's default or its default's default.
const jsQR: JsQR = (() => {
  const candidates: unknown[] = [jsQRModule, (jsQRModule as any).default, (jsQRModule as any).default?.default];
  const found = candidates.find((c) => typeof c === 'function');
  if (!found) throw new Error('jsqr: no decoder function found');
  return found as JsQR;
})();

const PREFIX = 'data:image/png;base64,';

function decode(dataUrl: string): { text: string | null; width: number; height: number } {
  expect(dataUrl.startsWith(PREFIX)).toBe(true);
  const base64 = dataUrl.slice(PREFIX.length);
  expect(base64).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
  const bytes = Buffer.from(base64, 'base64');
  // The PNG signature.
  expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const png = PNG.sync.read(bytes);
  const result = jsQR(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.byteLength), png.width, png.height);
  return { text: result?.data ?? null, width: png.width, height: png.height };
}

describe('qrCodeDataUrl', () => {
  it('encodes a plain otpauth URI that decodes back exactly', async () => {
    const uri = otpauthUri({ issuer: 'Acme', account: 'alice', secret: newSecret(), algorithm: 'SHA1', digits: 6, period: 30 });
    const { text, width, height } = decode(await qrCodeDataUrl(uri));
    expect(text).toBe(uri);
    expect(width).toBeGreaterThan(100);
    expect(height).toBe(width);
  });

  it('encodes a URI with spaces and non-ASCII characters in the account that decodes back exactly', async () => {
    const uri = otpauthUri({
      issuer: 'Acme Bank',
      account: 'Jürgen Groß@例え.jp',
      secret: newSecret(),
      algorithm: 'SHA256',
      digits: 8,
      period: 60,
    });
    const { text } = decode(await qrCodeDataUrl(uri));
    expect(text).toBe(uri);
    expect(decodeURIComponent(new URL(text!).pathname)).toBe('/Acme Bank:Jürgen Groß@例え.jp');
  });

  it('keeps raw (unencoded) spaces and non-ASCII characters intact through the QR code', async () => {
    const uri = 'otpauth://totp/Äcme Bänk:ñandú ünïcødé 例え?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Äcme Bänk';
    const { text } = decode(await qrCodeDataUrl(uri));
    expect(text).toBe(uri);
  });

  it('different URIs give different images', async () => {
    const a = await qrCodeDataUrl(otpauthUri({ issuer: 'Acme', account: 'alice', secret: newSecret(), algorithm: 'SHA1', digits: 6, period: 30 }));
    const b = await qrCodeDataUrl(otpauthUri({ issuer: 'Acme', account: 'alice', secret: newSecret(), algorithm: 'SHA1', digits: 6, period: 30 }));
    expect(a).not.toBe(b);
    expect(decode(a).text).not.toBe(decode(b).text);
  });
});
