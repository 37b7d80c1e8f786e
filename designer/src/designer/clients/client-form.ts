/**
 * The client form's text fields to and from the admin API's shape: URIs one per line, the acr map
 * as `acr = journey` lines. Pure, so it is tested without a browser.
 */
import type { CreateOidcClientBody, OidcClient } from '../../../../engine/http/contract/types.js';

export type AuthMethod = NonNullable<CreateOidcClientBody['tokenEndpointAuthMethod']>;

export interface ClientFormValues {
  clientId: string;
  clientName: string;
  redirectUris: string;
  postLogoutRedirectUris: string;
  tokenEndpointAuthMethod: AuthMethod;
  idTokenSignedResponseAlg: 'RS256' | 'ES256';
  journeyId: string;
  acrJourneys: string;
  firstParty: boolean;
  jwks: string;
}

export const emptyClientForm = (journeyId = ''): ClientFormValues => ({
  clientId: '',
  clientName: '',
  redirectUris: '',
  postLogoutRedirectUris: '',
  tokenEndpointAuthMethod: 'client_secret_basic',
  idTokenSignedResponseAlg: 'RS256',
  journeyId,
  acrJourneys: '',
  firstParty: false,
  jwks: '',
});

export function formFromClient(client: OidcClient): ClientFormValues {
  return {
    clientId: client.clientId,
    clientName: client.clientName ?? '',
    redirectUris: client.redirectUris.join('\n'),
    postLogoutRedirectUris: client.postLogoutRedirectUris.join('\n'),
    tokenEndpointAuthMethod: client.tokenEndpointAuthMethod,
    idTokenSignedResponseAlg: client.idTokenSignedResponseAlg,
    journeyId: client.journeyId,
    acrJourneys: Object.entries(client.acrJourneys)
      .map(([acr, journey]) => `${acr} = ${journey}`)
      .join('\n'),
    firstParty: client.firstParty,
    jwks: client.jwks ? JSON.stringify(client.jwks, null, 2) : '',
  };
}

const lines = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);

/** The request body, or the first problem a person must fix (the server judges the rest). */
export function bodyFromForm(values: ClientFormValues): { body: CreateOidcClientBody } | { problem: string } {
  const acrJourneys: Record<string, string> = {};
  for (const line of lines(values.acrJourneys)) {
    const split = line.lastIndexOf('=');
    if (split <= 0) return { problem: `“${line}” is not “acr = journey”` };
    acrJourneys[line.slice(0, split).trim()] = line.slice(split + 1).trim();
  }
  let jwks: CreateOidcClientBody['jwks'];
  if (values.tokenEndpointAuthMethod === 'private_key_jwt' && values.jwks.trim()) {
    try {
      jwks = JSON.parse(values.jwks) as CreateOidcClientBody['jwks'];
    } catch {
      return { problem: 'The public keys are not valid JSON' };
    }
  }
  const redirectUris = lines(values.redirectUris);
  if (!redirectUris.length) return { problem: 'Enter at least one redirect URI' };
  if (!values.journeyId) return { problem: 'Choose the journey that signs users in' };
  return {
    body: {
      ...(values.clientId.trim() ? { clientId: values.clientId.trim() } : {}),
      ...(values.clientName.trim() ? { clientName: values.clientName.trim() } : {}),
      redirectUris,
      postLogoutRedirectUris: lines(values.postLogoutRedirectUris),
      tokenEndpointAuthMethod: values.tokenEndpointAuthMethod,
      idTokenSignedResponseAlg: values.idTokenSignedResponseAlg,
      journeyId: values.journeyId,
      acrJourneys,
      firstParty: values.firstParty,
      ...(jwks ? { jwks } : {}),
    },
  };
}
