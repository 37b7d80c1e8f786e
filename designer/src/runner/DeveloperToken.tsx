/**
 * The success page's "for developers" part, when the session had no redirect address: the result
 * token and how to validate it (docs/http-api.md, "The hosted runner's end screens"). Folded away:
 * a user who only signed in sees "You're all set"; a developer trying a journey finds the token.
 */
import { useTexts } from '../renderer/texts.js';
import { CopyButton } from '../renderer/StepView.js';

export function DeveloperToken({ token }: { token: string }) {
  const t = useTexts();
  const validate = `curl -s -X POST ${window.location.origin}/v1/tokens/validate -H "authorization: Bearer $APP_KEY" -H 'content-type: application/json' -d '{ "token": "${token}" }'`;
  return (
    <details className="rn-developer" data-testid="runner-developer">
      <summary>{t('success.developer')}</summary>
      <p className="sv-text sv-small-text">{t('success.developerText')}</p>
      <textarea className="rn-token" readOnly rows={4} value={token} aria-label="token" data-testid="runner-token" dir="ltr" />
      <CopyButton text={token} label={t('success.copyToken')} />
      <pre className="rn-command" dir="ltr">{validate}</pre>
    </details>
  );
}
