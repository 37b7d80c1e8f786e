import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, submit, type TestServer } from '../helpers/test-server.js';
import { reveal, run } from './step-helpers.js';

describe('display step', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close({ remove: true }));

  it('shows { title, text, data } with expressions evaluated and offers only "continue"', async () => {
    const started = await run(
      server,
      {
        init: { type: 'set-variables', config: { assign: { count: 3 } }, branches: { next: 'show' } },
        show: {
          type: 'display',
          name: 'Show it',
          config: {
            title: "{% 'Hi ' & $input.who %}",
            text: '{% $string(count * 2) & " items" %}',
            data: { total: '{% count * 2 %}', literal: 'as is', nested: { who: '{% $input.who %}' } },
          },
          branches: { next: 'done' },
        },
        done: reveal({ shown: 'yes' }),
      },
      {},
      { who: 'Ann' },
    );
    expect(started.body.status).toBe('waiting');
    expect(started.body.step).toEqual({
      id: 'show',
      type: 'display',
      name: 'Show it',
      data: { title: 'Hi Ann', text: '6 items', data: { total: 6, literal: 'as is', nested: { who: 'Ann' } } },
      options: [{ id: 'continue', label: 'Continue' }],
    });
  });

  it('accepts a data expression that yields the whole object', async () => {
    const started = await run(
      server,
      {
        show: { type: 'display', config: { data: '{% { "who": $input.who, "n": 1 } %}' }, branches: { next: 'done' } },
        done: reveal({}),
      },
      {},
      { who: 'Bo' },
    );
    expect(started.body.step.data).toEqual({ data: { who: 'Bo', n: 1 } });
  });

  it('shows nothing it was not given', async () => {
    const started = await run(server, {
      show: { type: 'display', config: {}, branches: { next: 'done' } },
      done: reveal({}),
    });
    expect(started.body.step.data).toEqual({});
  });

  it('"continue" follows next', async () => {
    const started = await run(server, {
      show: { type: 'display', config: { text: 'hello' }, branches: { next: 'done' } },
      done: reveal({ after: 'display' }),
    });
    const done = await submit(server, started.body, 'show', 'continue');
    expect(done.status).toBe(200);
    expect(done.body.status).toBe('completed');
    expect(done.body.result.claims).toEqual({ after: 'display' });
  });

  it('refuses any other option and any data with continue (422), staying on the step', async () => {
    const started = await run(server, {
      show: { type: 'display', config: { text: 'hello' }, branches: { next: 'done' } },
      done: reveal({}),
    });
    const other = await submit(server, started.body, 'show', 'next');
    expect(other.status).toBe(422);
    const withData = await submit(server, started.body, 'show', 'continue', { x: 1 });
    expect(withData.status).toBe(422);
    const still = await server.request('GET', `/v1/sessions/${started.body.sessionId}`, { token: started.body.sessionToken });
    expect(still.body).toMatchObject({ status: 'waiting', step: { id: 'show' } });
  });

  it('a data expression that is not an object fails expression_error', async () => {
    const started = await run(server, {
      show: { type: 'display', config: { data: '{% 42 %}' }, errorOutputVariable: 'err', branches: { next: 'done', failure: 'oops' } },
      done: reveal({}),
      oops: reveal({ code: '{% err.code %}' }),
    });
    expect(started.body.status).toBe('completed');
    expect(started.body.result.claims).toEqual({ code: 'expression_error' });
  });

  it('refuses unknown config keys at publish', async () => {
    const result = await server.admin('POST', '/v1/admin/validate', {
      id: 'display-invalid',
      start: 'show',
      steps: { show: { type: 'display', config: { text: 'x', colour: 'red' }, branches: { next: 'done' } }, done: { type: 'complete' } },
    });
    expect(result.body.valid).toBe(false);
    expect(result.body.diagnostics).toContainEqual(expect.objectContaining({ code: 'invalid_config', stepId: 'show' }));
  });
});
