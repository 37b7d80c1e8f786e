import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, submit, type TestServer } from '../helpers/test-server.js';
import { reveal, revealVar, run, timeline } from './step-helpers.js';

const nameSchema = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: { name: { type: 'string', minLength: 2 } },
};

const formSteps = () => ({
  ask: {
    type: 'form',
    name: 'Ask the name',
    config: {
      outputVariable: 'answer',
      title: 'Who are you?',
      text: 'Tell us your name',
      options: [
        { id: 'go', label: 'Go', schema: nameSchema },
        { id: 'skip', label: 'Skip' },
        { id: 'bare' },
      ],
    },
    branches: { go: 'viaGo', skip: 'viaSkip', bare: 'viaBare' },
  },
  viaGo: reveal({ branch: 'go', answer: '{% answer %}' }),
  viaSkip: reveal({ branch: 'skip', answer: '{% answer %}' }),
  viaBare: reveal({ branch: 'bare', answer: '{% answer %}' }),
});

describe('form step', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close({ remove: true }));

  it('asks with title/text as step data and the options exactly as written (schema only when given)', async () => {
    const started = await run(server, formSteps());
    expect(started.body.status).toBe('waiting');
    expect(started.body.step).toEqual({
      id: 'ask',
      type: 'form',
      name: 'Ask the name',
      data: { title: 'Who are you?', text: 'Tell us your name' },
      options: [{ id: 'go', label: 'Go', schema: nameSchema }, { id: 'skip', label: 'Skip' }, { id: 'bare' }],
    });
    expect(started.body.step.options[1]).not.toHaveProperty('schema');
    expect(started.body.step.options[2]).not.toHaveProperty('label');
    expect(started.body.error).toBeNull();
    expect(started.body.result).toBeNull();
  });

  it('shows no title or text when none are configured', async () => {
    const started = await run(server, {
      ask: { type: 'form', config: { outputVariable: 'x', options: [{ id: 'ok' }] }, branches: { ok: 'done' } },
      done: reveal({}),
    });
    expect(started.body.step.data).toEqual({});
    expect(started.body.step.options).toEqual([{ id: 'ok' }]);
  });

  it('evaluates expressions in title and text', async () => {
    const started = await run(
      server,
      {
        ask: {
          type: 'form',
          config: { outputVariable: 'x', title: "{% 'Hello ' & $input.who %}", text: '{% $string(1 + 2) %}', options: [{ id: 'ok' }] },
          branches: { ok: 'done' },
        },
        done: reveal({}),
      },
      {},
      { who: 'Ann' },
    );
    expect(started.body.step.data).toEqual({ title: 'Hello Ann', text: '3' });
  });

  it("stores the chosen option's data in outputVariable and follows that option's branch", async () => {
    const started = await run(server, formSteps());
    const done = await submit(server, started.body, 'ask', 'go', { name: 'alice' });
    expect(done.status).toBe(200);
    expect(done.body.status).toBe('completed');
    expect(done.body.result.claims).toEqual({ branch: 'go', answer: { name: 'alice' } });
  });

  it('an option without schema stores {} (no data or {} accepted) and follows its branch', async () => {
    const noData = await run(server, formSteps());
    const first = await submit(server, noData.body, 'ask', 'skip');
    expect(first.body.status).toBe('completed');
    expect(first.body.result.claims).toEqual({ branch: 'skip', answer: {} });

    const emptyObject = await run(server, formSteps());
    const second = await submit(server, emptyObject.body, 'ask', 'bare', {});
    expect(second.body.status).toBe('completed');
    expect(second.body.result.claims).toEqual({ branch: 'bare', answer: {} });
  });

  it('refuses data for an option without schema with 422 and keeps the session waiting', async () => {
    const started = await run(server, formSteps());
    const refused = await submit(server, started.body, 'ask', 'skip', { sneaky: true });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('validation_failed');
    const now = await server.request('GET', `/v1/sessions/${started.body.sessionId}`, { token: started.body.sessionToken });
    expect(now.body).toMatchObject({ status: 'waiting', step: { id: 'ask' } });
  });

  it('refuses data that does not match the option schema with 422, session unchanged, then accepts valid data', async () => {
    const started = await run(server, formSteps());
    const tooShort = await submit(server, started.body, 'ask', 'go', { name: 'a' });
    expect(tooShort.status).toBe(422);
    expect(tooShort.body.error.code).toBe('validation_failed');
    const missing = await submit(server, started.body, 'ask', 'go', {});
    expect(missing.status).toBe(422);
    const extra = await submit(server, started.body, 'ask', 'go', { name: 'bob', admin: true });
    expect(extra.status).toBe(422);

    const still = await server.request('GET', `/v1/sessions/${started.body.sessionId}`, { token: started.body.sessionToken });
    expect(still.status).toBe(200);
    expect(still.body).toMatchObject({ status: 'waiting', step: { id: 'ask', type: 'form' }, error: null });
    const events = await timeline(server, started.body.sessionId);
    expect(events.some((e) => e.event === 'submitted')).toBe(false);

    const done = await submit(server, started.body, 'ask', 'go', { name: 'bob' });
    expect(done.body.result.claims).toEqual({ branch: 'go', answer: { name: 'bob' } });
  });

  it('refuses an option the form does not offer with 422', async () => {
    const started = await run(server, formSteps());
    const refused = await submit(server, started.body, 'ask', 'nope');
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('validation_failed');
  });

  it('an option whose branch is not wired ends the session failed with unwired_branch', async () => {
    const started = await run(server, {
      ask: { type: 'form', config: { outputVariable: 'x', options: [{ id: 'a' }, { id: 'b' }] }, branches: { a: 'done' } },
      done: reveal({}),
    });
    const ended = await submit(server, started.body, 'ask', 'b');
    expect(ended.body.status).toBe('failed');
    expect(ended.body.error.code).toBe('unwired_branch');
  });

  it('a later visit of the same form asks again and overwrites the output variable', async () => {
    const started = await run(server, {
      ask: {
        type: 'form',
        config: { outputVariable: 'answer', options: [{ id: 'go', schema: nameSchema }] },
        branches: { go: 'check' },
      },
      check: { type: 'condition', config: { expression: "{% answer.name = 'again' %}" }, branches: { true: 'done', false: 'ask' } },
      done: revealVar('answer'),
    });
    const again = await submit(server, started.body, 'ask', 'go', { name: 'first' });
    expect(again.body).toMatchObject({ status: 'waiting', step: { id: 'ask' } });
    const done = await submit(server, again.body, 'ask', 'go', { name: 'again' });
    expect(done.body.result.claims).toEqual({ value: { name: 'again' } });
  });

  it('is refused at publish when config keys are unknown, options are empty, or an option id is reserved', async () => {
    for (const config of [
      { outputVariable: 'x', options: [{ id: 'ok' }], colour: 'red' },
      { outputVariable: 'x', options: [] },
      { options: [{ id: 'ok' }] },
      { outputVariable: 'x', options: [{ id: 'failure' }] },
      { outputVariable: 'x', options: [{ id: 'default' }] },
    ]) {
      const result = await server.admin('POST', '/v1/admin/validate', {
        id: 'form-invalid',
        start: 'ask',
        steps: { ask: { type: 'form', config, branches: {} }, done: { type: 'complete' } },
      });
      expect(result.body.valid, JSON.stringify(config)).toBe(false);
      expect(result.body.diagnostics.some((d: { code: string }) => d.code === 'invalid_config'), JSON.stringify(config)).toBe(true);
    }
  });
});
