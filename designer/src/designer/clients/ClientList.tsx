/**
 * The OpenID provider's clients (#18): list, create, edit, rotate the secret, delete. A secret is
 * shown once, in a dialog, when it is made.
 */
import { useCallback, useEffect, useState } from 'react';
import '../JourneyList.css';
import './ClientList.css';
import type { AdminApi } from '../../api/admin.js';
import type { JourneySummary, OidcClient } from '../../../../engine/http/contract/types.js';
import { sentence } from '../../renderer/schema-fields.js';
import { Modal, useFeedback } from '../../ui/feedback.js';
import { Logo } from '../../ui/Logo.js';
import { bodyFromForm, emptyClientForm, formFromClient, type ClientFormValues } from './client-form.js';

export interface ClientListProps {
  api: AdminApi;
  navigate: (path: string) => void;
  onSignOut: () => void;
}

export function ClientList({ api, navigate, onSignOut }: ClientListProps) {
  const feedback = useFeedback();
  const [clients, setClients] = useState<OidcClient[] | null>(null);
  const [journeys, setJourneys] = useState<JourneySummary[]>([]);
  const [error, setError] = useState<string | null>(null);

  const reload = useCallback(async () => {
    try {
      const [list, all] = await Promise.all([api.oidcClients(), api.journeys()]);
      setClients(list);
      setJourneys(all.filter((j) => j.latestVersion));
      setError(null);
    } catch (e) {
      setError(sentence((e as Error).message));
    }
  }, [api]);

  useEffect(() => {
    document.title = 'OpenID clients · Journey designer';
    void reload();
  }, [reload]);

  const showSecret = (clientId: string, secret: string) =>
    feedback.dialog<null>((close) => (
      <Modal title={`Secret of ${clientId}`} onClose={() => close(null)}>
        <p>Copy it now: it is shown this once and stored sealed.</p>
        <pre className="cl-secret" data-testid="client-secret">
          {secret}
        </pre>
        <div className="dlg-actions">
          <button type="button" className="btn btn-primary" onClick={() => close(null)} data-testid="secret-done">
            Done
          </button>
        </div>
      </Modal>
    ));

  const edit = async (client: OidcClient | null) => {
    const saved = await feedback.dialog<OidcClient & { clientSecret?: string }>((close) => (
      <ClientDialog api={api} client={client} journeys={journeys} onClose={close} />
    ));
    if (!saved) return;
    feedback.toast(client ? `Saved ${saved.clientId}` : `Created ${saved.clientId}`, 'success');
    if (saved.clientSecret) await showSecret(saved.clientId, saved.clientSecret);
    await reload();
  };

  const rotate = async (client: OidcClient) => {
    const ok = await feedback.confirm({
      title: `Replace the secret of “${client.clientId}”?`,
      message: 'The current secret stops working at once: the app must be given the new one.',
      confirmLabel: 'Replace secret',
      danger: true,
    });
    if (!ok) return;
    try {
      const rotated = await api.rotateOidcClientSecret(client.clientId);
      if (rotated.clientSecret) await showSecret(client.clientId, rotated.clientSecret);
    } catch (e) {
      feedback.toast(`Could not replace the secret: ${sentence((e as Error).message)}`, 'error');
    }
  };

  const remove = async (client: OidcClient) => {
    const ok = await feedback.confirm({
      title: `Delete “${client.clientId}”?`,
      message: 'The app can no longer sign anyone in; its tokens stop being accepted.',
      confirmLabel: 'Delete client',
      danger: true,
    });
    if (!ok) return;
    try {
      await api.removeOidcClient(client.clientId);
      feedback.toast(`Deleted ${client.clientId}`, 'success');
      await reload();
    } catch (e) {
      feedback.toast(`Could not delete: ${sentence((e as Error).message)}`, 'error');
    }
  };

  return (
    <div className="list-page">
      <header className="app-bar">
        <div className="brand">
          <Logo />
          <span>Journey designer</span>
        </div>
        <div className="app-bar-right">
          <a
            className="btn btn-ghost"
            href="/designer/"
            onClick={(e) => {
              e.preventDefault();
              navigate('/designer/');
            }}
          >
            Journeys
          </a>
          <button type="button" className="btn btn-ghost" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main className="list-main">
        <div className="list-head">
          <div>
            <h1>OpenID clients</h1>
            <p className="list-sub">Apps that sign users in through OpenID Connect; each names the journey that signs its users in.</p>
          </div>
          <div className="list-actions">
            <button type="button" className="btn btn-primary" onClick={() => edit(null)} data-testid="new-client">
              New client
            </button>
          </div>
        </div>
        <div className="list-card">
          {error && (
            <div className="list-empty" role="alert">
              <p>Could not load the clients: {error}</p>
              <button type="button" className="btn" onClick={reload}>
                Try again
              </button>
            </div>
          )}
          {!error && clients === null && (
            <div className="list-empty" role="status">
              <span className="sv-spinner" aria-hidden="true" /> Loading…
            </div>
          )}
          {!error && clients && clients.length === 0 && (
            <div className="list-empty">
              <p>No client yet.</p>
            </div>
          )}
          {!error && clients && clients.length > 0 && (
            <table className="list-table">
              <thead>
                <tr>
                  <th scope="col">Client</th>
                  <th scope="col">Journey</th>
                  <th scope="col">Authentication</th>
                  <th scope="col">
                    <span className="sv-visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {clients.map((c) => (
                  <tr key={c.clientId} data-testid={`client-${c.clientId}`}>
                    <td>
                      <span className="list-name">{c.clientName || c.clientId}</span>
                      <div className="list-id">{c.clientId}</div>
                    </td>
                    <td>
                      <code>{c.journeyId}</code>
                      {Object.keys(c.acrJourneys).length > 0 && <div className="list-id">+ {Object.keys(c.acrJourneys).length} acr</div>}
                    </td>
                    <td>
                      <span className="badge badge-neutral">{c.tokenEndpointAuthMethod}</span> {c.firstParty && <span className="badge badge-success">first-party</span>}
                    </td>
                    <td className="list-row-actions">
                      <button type="button" className="btn btn-small btn-ghost" onClick={() => edit(c)} aria-label={`Edit ${c.clientId}`} data-testid={`edit-${c.clientId}`}>
                        Edit
                      </button>
                      {(c.tokenEndpointAuthMethod === 'client_secret_basic' || c.tokenEndpointAuthMethod === 'client_secret_post') && (
                        <button type="button" className="btn btn-small btn-ghost" onClick={() => rotate(c)} aria-label={`Replace the secret of ${c.clientId}`} data-testid={`rotate-${c.clientId}`}>
                          New secret
                        </button>
                      )}
                      <button type="button" className="btn btn-small btn-danger-ghost" onClick={() => remove(c)} aria-label={`Delete ${c.clientId}`} data-testid={`delete-client-${c.clientId}`}>
                        Delete
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      </main>
    </div>
  );
}

function ClientDialog({
  api,
  client,
  journeys,
  onClose,
}: {
  api: AdminApi;
  client: OidcClient | null;
  journeys: JourneySummary[];
  onClose: (saved: (OidcClient & { clientSecret?: string }) | null) => void;
}) {
  const [values, setValues] = useState<ClientFormValues>(() => (client ? formFromClient(client) : emptyClientForm(journeys[0]?.id ?? '')));
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof ClientFormValues>(key: K, value: ClientFormValues[K]) => setValues((v) => ({ ...v, [key]: value }));

  const submit = async () => {
    const built = bodyFromForm(values);
    if ('problem' in built) return setProblem(built.problem);
    setBusy(true);
    try {
      const { clientId, ...rest } = built.body;
      const saved = client ? await api.updateOidcClient(client.clientId, rest) : await api.createOidcClient(clientId ? built.body : rest);
      onClose(saved);
    } catch (e) {
      setProblem(sentence((e as Error).message));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title={client ? `Edit ${client.clientId}` : 'New OpenID client'} onClose={() => onClose(null)} wide>
      <form
        className="dlg-form cl-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        {!client && (
          <div className="ins-field">
            <label htmlFor="cl-id">Client id</label>
            <input id="cl-id" className="ins-input ins-mono" value={values.clientId} placeholder="generated when empty" data-testid="client-id" onChange={(e) => set('clientId', e.target.value)} />
          </div>
        )}
        <div className="ins-field">
          <label htmlFor="cl-name">Name</label>
          <input id="cl-name" className="ins-input" value={values.clientName} data-testid="client-name" onChange={(e) => set('clientName', e.target.value)} />
        </div>
        <div className="ins-field">
          <label htmlFor="cl-redirects">Redirect URIs (one per line)</label>
          <textarea id="cl-redirects" className="ins-input ins-mono" rows={2} value={values.redirectUris} data-testid="client-redirects" onChange={(e) => set('redirectUris', e.target.value)} />
        </div>
        <div className="ins-field">
          <label htmlFor="cl-logout">Post-logout redirect URIs (one per line)</label>
          <textarea id="cl-logout" className="ins-input ins-mono" rows={2} value={values.postLogoutRedirectUris} onChange={(e) => set('postLogoutRedirectUris', e.target.value)} />
        </div>
        <div className="ins-field">
          <label htmlFor="cl-journey">Journey</label>
          <select id="cl-journey" className="ins-input" value={values.journeyId} data-testid="client-journey" onChange={(e) => set('journeyId', e.target.value)}>
            {!values.journeyId && <option value="">Choose a published journey</option>}
            {journeys.map((j) => (
              <option key={j.id} value={j.id}>
                {j.name || j.id}
              </option>
            ))}
          </select>
        </div>
        <div className="ins-field">
          <label htmlFor="cl-acr">Step-up journeys: acr = journey (one per line)</label>
          <textarea id="cl-acr" className="ins-input ins-mono" rows={2} value={values.acrJourneys} placeholder="urn:journey:mfa = login-totp" data-testid="client-acr" onChange={(e) => set('acrJourneys', e.target.value)} />
        </div>
        <div className="ins-field">
          <label htmlFor="cl-auth">Client authentication</label>
          <select id="cl-auth" className="ins-input" value={values.tokenEndpointAuthMethod} data-testid="client-auth" onChange={(e) => set('tokenEndpointAuthMethod', e.target.value as ClientFormValues['tokenEndpointAuthMethod'])}>
            <option value="client_secret_basic">Secret (HTTP Basic)</option>
            <option value="client_secret_post">Secret (form post)</option>
            <option value="private_key_jwt">Private key JWT</option>
            <option value="none">None: public client, PKCE</option>
          </select>
        </div>
        {values.tokenEndpointAuthMethod === 'private_key_jwt' && (
          <div className="ins-field">
            <label htmlFor="cl-jwks">Public keys (JWKS)</label>
            <textarea id="cl-jwks" className="ins-input ins-mono" rows={4} value={values.jwks} placeholder='{ "keys": [ … ] }' onChange={(e) => set('jwks', e.target.value)} />
          </div>
        )}
        <div className="ins-field">
          <label htmlFor="cl-alg">ID token signature</label>
          <select id="cl-alg" className="ins-input" value={values.idTokenSignedResponseAlg} onChange={(e) => set('idTokenSignedResponseAlg', e.target.value as 'RS256' | 'ES256')}>
            <option value="RS256">RS256</option>
            <option value="ES256">ES256</option>
          </select>
        </div>
        <label className="cl-check">
          <input type="checkbox" checked={values.firstParty} data-testid="client-first-party" onChange={(e) => set('firstParty', e.target.checked)} /> First-party: no consent page
        </label>
        {problem && (
          <p className="ins-error" role="alert" data-testid="client-problem">
            {problem}
          </p>
        )}
        <div className="dlg-actions">
          <button type="button" className="btn" onClick={() => onClose(null)}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid="client-save">
            {client ? 'Save' : 'Create client'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
