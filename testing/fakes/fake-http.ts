/**
 * The outbound HTTP of the offline journey tests: `http.request` steps get the case's canned
 * answers, matched by method and exact URL; a request nobody answered fails the step as an
 * unreachable host would, and is recorded so the case can say which one it was.
 */
import { OutboundHttpError, type OutboundHttp, type OutboundHttpRequest, type OutboundHttpResponse } from '../../engine/steps/step-types.js';
import type { JourneyTestHttp } from '../test-file-schema.js';

export class FakeHttp implements OutboundHttp {
  private answers: readonly JourneyTestHttp[] = [];
  readonly unanswered: string[] = [];

  answerWith(answers: readonly JourneyTestHttp[]): void {
    this.answers = answers;
    this.unanswered.length = 0;
  }

  async request(request: OutboundHttpRequest): Promise<OutboundHttpResponse> {
    const method = request.method.toUpperCase();
    const answer = this.answers.find((a) => (a.method ?? 'GET').toUpperCase() === method && a.url === request.url);
    if (!answer) {
      this.unanswered.push(`${method} ${request.url}`);
      throw new OutboundHttpError('http_unreachable', `the test gives no answer to ${method} ${request.url}`);
    }
    const json = typeof answer.body !== 'string';
    return {
      status: answer.status ?? 200,
      headers: { ...(json ? { 'content-type': 'application/json' } : {}), ...((answer.headers ?? {}) as Record<string, string>) },
      body: json ? JSON.stringify(answer.body ?? null) : (answer.body as string),
    };
  }
}
