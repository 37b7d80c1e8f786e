/** Rows of `signing_keys`. */
import type { SigningKeyRecord } from '../store.js';
import type { RowShape } from './shape.js';

export const signingKeyRow: RowShape<SigningKeyRecord> = {
  table: 'signing_keys',
  columns: ['kid', 'public_jwk', 'sealed_private_jwk', 'created_at', 'retired_at', 'use', 'algorithm'],
  fromRow: (r, codec) => ({
    kid: r.kid,
    publicJwk: codec.readJson(r.public_jwk),
    sealedPrivateJwk: r.sealed_private_jwk,
    createdAt: r.created_at,
    retiredAt: r.retired_at,
    use: r.use,
    algorithm: r.algorithm,
  }),
  values: (k, codec) => [k.kid, codec.writeJson(k.publicJwk), k.sealedPrivateJwk, k.createdAt, k.retiredAt, k.use, k.algorithm],
};
