import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, submit, type TestServer } from '../helpers/test-server.js';
import { run, timeline } from './step-helpers.js';

describe('reject step', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close({ remove: true }));

  it('ends rejected with error { code, message }, no result and no step', async () => {
    const started = await run(server, { no: { type: 'reject', config: { code: 'blocked', message: 'You are blocked' } } });
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ status: 'rejected', error: { code: 'blocked', message: 'You are blocked' }, result: null, step: null });
    expect(started.body.error).toEqual({ code: 'blocked', message: 'You are blocked' });
  });

  it('evaluates expressions in code and message', async () => {
    const started = await run(
      server,
      {
        init: { type: 'set-variables', config: { assign: { tries: 3 } }, branches: { next: 'no' } },
        no: { type: 'reject', config: { code: "{% 'too_many_' & $input.what %}", message: "{% 'Tried ' & $string(tries) & ' times' %}" } },
      },
      {},
      { what: 'attempts' },
    );
    expect(started.body.status).toBe('rejected');
    expect(started.body.error).toEqual({ code: 'too_many_attempts', message: 'Tried 3 times' });
  });

  it('a message is optional: the error still has a string message', async () => {
    const started = await run(server, { no: { type: 'reject', config: { code: 'denied' } } });
    expect(started.body.status).toBe('rejected');
    expect(started.body.error.code).toBe('denied');
    expect(typeof started.body.error.message).toBe('string');
  });

  it('rejects after a client answer; the session then refuses submits and reads as rejected', async () => {
    const started = await run(server, {
      ask: { type: 'form', config: { outputVariable: 'f', options: [{ id: 'cancel', label: 'Cancel' }] }, branches: { cancel: 'no' } },
      no: { type: 'reject', config: { code: 'cancelled', message: 'Cancelled by the user' } },
    });
    const ended = await submit(server, started.body, 'ask', 'cancel');
    expect(ended.body).toMatchObject({ status: 'rejected', error: { code: 'cancelled', message: 'Cancelled by the user' }, result: null });
    const read = await server.request('GET', `/v1/sessions/${started.body.sessionId}`, { token: started.body.sessionToken });
    expect(read.body).toMatchObject({ status: 'rejected', error: { code: 'cancelled', message: 'Cancelled by the user' }, result: null, step: null });
    const again = await submit(server, started.body, 'ask', 'cancel');
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('session_ended');
    const events = await timeline(server, started.body.sessionId);
    expect(events).toContainEqual(expect.objectContaining({ stepId: 'no', event: 'ended', branch: 'rejected', error: { code: 'cancelled', message: 'Cancelled by the user' } }));
  });

  it('a code expression giving an empty or non-string value fails expression_error (session failed, not rejected)', async () => {
    for (const code of ["{% '' %}", '{% 42 %}']) {
      const started = await run(server, { no: { type: 'reject', config: { code } } });
      expect(started.body.status, code).toBe('failed');
      expect(started.body.error.code, code).toBe('expression_error');
    }
  });

  it('is refused at publish without code, with an empty code or an unknown key', async () => {
    for (const config of [{}, { code: '' }, { code: 'x', status: 403 }]) {
      const result = await server.admin('POST', '/v1/admin/validate', { id: 'reject-invalid', start: 'no', steps: { no: { type: 'reject', config } } });
      expect(result.body.valid, JSON.stringify(config)).toBe(false);
      expect(result.body.diagnostics.map((d: { code: string }) => d.code)).toContain('invalid_config');
    }
  });

  it('a reject step ends rejected whatever its id (even "completed" or "failed")', async () => {
    for (const id of ['completed', 'failed']) {
      const started = await run(server, {
        init: { type: 'set-variables', config: { assign: { a: 1 } }, branches: { next: id } },
        [id]: { type: 'reject', config: { code: 'denied', message: 'No' } },
      });
      expect(started.body.status, id).toBe('rejected');
      expect(started.body.error, id).toEqual({ code: 'denied', message: 'No' });
      expect(started.body.result, id).toBeNull();
    }
  });
});
