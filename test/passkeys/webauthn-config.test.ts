/**
 * WEBAUTHN_RP_ID, WEBAUTHN_RP_NAME and WEBAUTHN_ORIGINS: defaults from PUBLIC_URL (or localhost
 * for `npm start`), origins checked against the RP id at start, never a request's Host header.
 */
import { describe, expect, it } from 'vitest';
import { webauthnConfig } from '../../engine/config.js';

describe('WebAuthn settings', () => {
  it('default to localhost and http://localhost:PORT without PUBLIC_URL', () => {
    expect(webauthnConfig({}, '')).toEqual({ rpId: 'localhost', rpName: 'localhost', origins: ['http://localhost:3000'] });
    expect(webauthnConfig({ PORT: '8080' }, '').origins).toEqual(['http://localhost:8080']);
  });

  it('derive from PUBLIC_URL: its host and its origin (a path is no part of an origin)', () => {
    expect(webauthnConfig({}, 'https://login.example.com/auth')).toEqual({
      rpId: 'login.example.com',
      rpName: 'login.example.com',
      origins: ['https://login.example.com'],
    });
  });

  it('take the three settings as given, origins normalised', () => {
    const config = webauthnConfig(
      { WEBAUTHN_RP_ID: 'Example.com', WEBAUTHN_RP_NAME: 'Example', WEBAUTHN_ORIGINS: 'https://login.example.com/, https://app.example.com:8443' },
      'https://ignored.example.net',
    );
    expect(config).toEqual({ rpId: 'example.com', rpName: 'Example', origins: ['https://login.example.com', 'https://app.example.com:8443'] });
  });

  it('refuse an origin off the relying party, a path in an origin, and a non-URL', () => {
    expect(() => webauthnConfig({ WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://evil.test' }, '')).toThrow(/not on the relying party/);
    // A suffix that is not a parent domain does not count.
    expect(() => webauthnConfig({ WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://notexample.com' }, '')).toThrow(/not on the relying party/);
    expect(() => webauthnConfig({ WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://example.com/login' }, '')).toThrow(/origin only/);
    expect(() => webauthnConfig({ WEBAUTHN_ORIGINS: 'localhost:3000' }, '')).toThrow();
  });
});
