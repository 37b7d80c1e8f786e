/** Journeys and a factor-proving test step for the sub-journey suites. */
import { defineStep } from '../../engine/steps/define-step.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/** Names a user (as an unproved identify would) and proves a factor for them: a stand-in for a real factor step. */
export const proveStep = defineStep({
  type: 'test.prove',
  title: 'Prove (test)',
  category: 'authentication',
  description: 'Proves the named factor for a fixed user.',
  interactive: false,
  writes: { user: {}, auth: {} },
  branches: ['next'],
  configSchema: { type: 'object', properties: { method: { type: 'string', enum: ['otp', 'sms', 'pwd'] } }, required: ['method'] } as const,
  run(ctx) {
    const user = ctx.user ?? { id: 'user-1', username: 'ada' };
    return ctx.branch('next', { user, proved: ctx.config.method as 'otp' });
  },
});

type Doc = Record<string, unknown>;

function form(outputVariable: string, options: string[], branches: Record<string, string>) {
  return { type: 'form', config: { outputVariable, options: options.map((id) => ({ id, label: id })) }, branches };
}

/** grandchild: asks once ("ok" completes with a claim, "no" rejects). */
export function grandchild(claim = 'g1'): Doc {
  return {
    id: 'grandchild',
    start: 'confirm',
    input: { type: 'object', properties: { who: { type: 'string' } }, required: ['who'] },
    steps: {
      confirm: form('answer', ['ok', 'no'], { ok: 'prove', no: 'refuse' }),
      prove: { type: 'test.prove', config: { method: 'otp' }, branches: { next: 'done' } },
      done: { type: 'complete', config: { claims: { grand: claim, who: '{% $input.who %}' } } },
      refuse: { type: 'reject', config: { code: 'grand_refused', message: 'the grandchild said no' } },
    },
  };
}

/** child: asks, then calls the grandchild, then completes with what it said. */
export function child(version: number | 'latest' = 'latest'): Doc {
  return {
    id: 'child',
    start: 'hello',
    steps: {
      hello: form('greeting', ['next'], { next: 'inner' }),
      inner: {
        type: 'journey.call',
        config: { journeyId: 'grandchild', version, input: { who: '{% $input.name %}' }, outputVariable: 'grand' },
        branches: { success: 'done' },
      },
      done: { type: 'complete', config: { claims: { fromGrandchild: '{% grand.grand %}', amr: '{% $auth.amr %}' } } },
    },
  };
}

/** parent: asks, calls the child (failure wired to a form that shows the error), completes. */
export function parent(onFailure: 'branch' | 'abort' = 'branch'): Doc {
  return {
    id: 'parent',
    start: 'welcome',
    settings: { public: true },
    steps: {
      welcome: form('w', ['go'], { go: 'outer' }),
      outer: {
        type: 'journey.call',
        config: { journeyId: 'child', version: 'latest', input: { name: 'Ada' }, outputVariable: 'childResult' },
        errorOutputVariable: 'childError',
        onFailure,
        branches: onFailure === 'branch' ? { success: 'done', failure: 'failed' } : { success: 'done' },
      },
      done: { type: 'complete', config: { claims: { child: '{% childResult %}', amr: '{% $auth.amr %}', user: '{% $user.id %}' } } },
      failed: { type: 'complete', config: { claims: { failedWith: '{% childError.code %}' } } },
    },
  };
}

/** A server with the proving step and the three levels published, callees first. */
export async function startCallServer(): Promise<TestServer> {
  const server = await startTestServer({ steps: [proveStep] });
  await server.publish(grandchild());
  await server.publish(child());
  await server.publish(parent());
  return server;
}
