/**
 * The one generic step renderer, shared by the hosted runner and the designer's test panel.
 * Everything comes from the step response: each option's JSON Schema becomes a form (labels from
 * `title`, else the property name), options without data become buttons, and a few well-known
 * step data shapes get a richer view (the TOTP QR code and secret, one-time code entry with resend).
 */
import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../api/http.js';
import type { StepOption, StepResponse } from '../../../engine/http/contract/types.js';
import type { JsonObject } from '../../../engine/http/contract/journey-document.js';
import { PasskeyStep } from './PasskeyStep.js';
import { useTexts, type Translate } from './texts.js';
import { refusalText } from './error-texts.js';
import { collect, errorsFromDetails, fieldsOf, humanize, initialValues, schemaProperties, sentence, type FieldErrors, type FieldSpec, type FieldValues } from './schema-fields.js';

export interface StepViewProps {
  response: StepResponse;
  /** Sends the answer; throws (ApiError) when the engine refuses it. */
  onSubmit: (option: string, data?: JsonObject) => Promise<void>;
  /** Move focus into the step when it appears (the runner does; an embedded panel may not). */
  autoFocus?: boolean;
  /** Heading level of the step title. */
  headingLevel?: 1 | 2 | 3;
}

type Step = NonNullable<StepResponse['step']>;

const OTP_TYPES = new Set(['sms.otp', 'email.otp']);
const PASSKEY_TYPES = new Set(['passkey.register', 'passkey.authenticate']);
/** The passkey steps' ceremony options, which the passkey view answers itself. */
const PASSKEY_CEREMONY_OPTIONS = new Set(['register', 'verify', 'cancel']);
let responseCounter = 0;

export function StepView({ response, onSubmit, autoFocus = true, headingLevel = 1 }: StepViewProps) {
  const step = response.step!;
  const data = (step.data ?? {}) as JsonObject;
  const [busy, setBusy] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [general, setGeneral] = useState<string | null>(null);
  const rootRef = useRef<HTMLDivElement>(null);
  const valuesByStep = useRef<Record<string, FieldValues>>({});
  const stepError = response.error;
  // Each response starts the forms afresh (codes and secrets cleared, other answers kept).
  const formKey = useMemo(() => ++responseCounter, [response]);
  const t = useTexts();

  // A new response: clear what was about the previous answer, then focus the first field (or the error).
  useEffect(() => {
    setFieldErrors({});
    setGeneral(null);
    setBusy(null);
    if (!autoFocus) return;
    const root = rootRef.current;
    if (!root) return;
    const target =
      root.querySelector<HTMLElement>('input:not([type=hidden]):not([disabled]), select, textarea') ??
      root.querySelector<HTMLElement>('[data-primary]') ??
      root.querySelector<HTMLElement>('h1, h2, h3');
    target?.focus({ preventScroll: false });
  }, [response, autoFocus]);

  const send = async (option: StepOption, fields: FieldSpec[], values: FieldValues | null) => {
    setGeneral(null);
    let payload: JsonObject | undefined;
    if (values) {
      valuesByStep.current[step.id] = values;
      const { data: collected, errors } = collect(fields, values, t);
      if (Object.keys(errors).length) {
        setFieldErrors(errors);
        focusField(rootRef.current, Object.keys(errors)[0]);
        return;
      }
      payload = collected;
    } else if (option.schema) {
      payload = {};
    }
    setFieldErrors({});
    setBusy(option.id);
    try {
      await onSubmit(option.id, payload);
    } catch (error) {
      setBusy(null);
      if (error instanceof ApiError && error.status === 422) {
        const mapped = errorsFromDetails(error.details, fields, t);
        setFieldErrors(mapped.fields);
        setGeneral(mapped.general ?? (Object.keys(mapped.fields).length ? null : refusalText(error, t)));
        if (Object.keys(mapped.fields).length) focusField(rootRef.current, Object.keys(mapped.fields)[0]);
      } else {
        setGeneral(failureText(error, t));
      }
    }
  };

  /** Sends an option with data the view made itself (a passkey's credential). */
  const sendData = async (option: StepOption, payload?: JsonObject) => {
    setGeneral(null);
    setFieldErrors({});
    setBusy(option.id);
    try {
      await onSubmit(option.id, payload);
    } catch (error) {
      setBusy(null);
      setGeneral(failureText(error, t));
    }
  };

  const title = typeof data.title === 'string' && data.title ? data.title : step.name ? step.name : humanize(step.id);
  const text = typeof data.text === 'string' ? data.text : null;
  const Heading = `h${headingLevel}` as 'h1';
  const alert = general ?? (stepError ? refusalText(stepError, t) : null);

  return (
    <div className="sv" ref={rootRef} data-step-id={step.id} data-step-type={step.type}>
      <Heading className="sv-title" tabIndex={-1}>
        {title}
      </Heading>
      {text && <p className="sv-text">{text}</p>}
      {alert && (
        <div className="sv-alert" role="alert" data-testid="step-error">
          <svg aria-hidden="true" viewBox="0 0 20 20" width="18" height="18">
            <path fill="currentColor" d="M10 1.7 19 17.5H1L10 1.7Zm0 5.3a.9.9 0 0 0-.9.9v4.4a.9.9 0 1 0 1.8 0V7.9A.9.9 0 0 0 10 7Zm0 8.6a1.1 1.1 0 1 0 0-2.2 1.1 1.1 0 0 0 0 2.2Z" />
          </svg>
          <span>{alert}</span>
        </div>
      )}
      {step.type === 'totp.register' && <TotpEnrolment data={data} />}
      {PASSKEY_TYPES.has(step.type) ? (
        <PasskeyStep step={step} busy={busy} submit={sendData}>
          <Options
            key={formKey}
            step={{ ...step, options: step.options.filter((o) => !PASSKEY_CEREMONY_OPTIONS.has(o.id)) }}
            busy={busy}
            errors={fieldErrors}
            send={send}
            previous={valuesByStep.current[step.id]}
            webauthn
          />
        </PasskeyStep>
      ) : OTP_TYPES.has(step.type) ? (
        <OtpEntry key={formKey} step={step} busy={busy} errors={fieldErrors} send={send} previous={valuesByStep.current[step.id]} />
      ) : step.type === 'email.link' ? (
        <LinkWait step={step} busy={busy} errors={fieldErrors} send={send} />
      ) : (
        <>
          {step.type !== 'totp.register' && <StepData data={data} />}
          <Options key={formKey} step={step} busy={busy} errors={fieldErrors} send={send} previous={valuesByStep.current[step.id]} />
        </>
      )}
    </div>
  );
}

/** A submission that failed outside a 422's field details: the engine's refusal in the page's language. */
function failureText(error: unknown, t: Translate): string {
  return error instanceof ApiError ? refusalText(error, t) : error instanceof Error ? sentence(error.message) : t('step.genericError');
}

function focusField(root: HTMLElement | null, name: string | undefined) {
  if (!root || !name) return;
  root.querySelector<HTMLElement>(`[name="${CSS.escape(name)}"]`)?.focus();
}

type Send = (option: StepOption, fields: FieldSpec[], values: FieldValues | null) => Promise<void>;

interface OptionsProps {
  step: Step;
  busy: string | null;
  errors: FieldErrors;
  send: Send;
  previous?: FieldValues;
  /** Username fields also offer the browser's passkeys (autocomplete "username webauthn"). */
  webauthn?: boolean;
}

/** Options with fields become forms (the first is the primary action); the others become buttons. */
function Options({ step, busy, errors, send, previous, webauthn }: OptionsProps) {
  const withFields = step.options.filter((o) => schemaProperties(o.schema).length > 0);
  const plain = step.options.filter((o) => !withFields.includes(o));
  const primaryPlain = withFields.length === 0 ? plain[0] : undefined;
  return (
    <div className="sv-options">
      {withFields.map((option, index) => (
        <OptionForm
          key={option.id}
          option={option}
          stepType={step.type}
          primary={index === 0}
          busy={busy}
          errors={index === 0 || withFields.length === 1 ? errors : {}}
          send={send}
          previous={previous}
          webauthn={webauthn}
          extraActions={
            index === withFields.length - 1
              ? plain.map((p) => (
                  <button key={p.id} type="button" className="sv-button sv-secondary" disabled={busy !== null} onClick={() => send(p, [], null)} data-option={p.id}>
                    {busy === p.id ? <Spinner /> : null}
                    {p.label ?? humanize(p.id)}
                  </button>
                ))
              : null
          }
        />
      ))}
      {withFields.length === 0 && (
        <div className="sv-actions sv-actions-stack">
          {plain.map((option) => (
            <button
              key={option.id}
              type="button"
              className={`sv-button ${option === primaryPlain ? 'sv-primary' : 'sv-secondary'}`}
              disabled={busy !== null}
              onClick={() => send(option, [], null)}
              data-option={option.id}
              {...(option === primaryPlain ? { 'data-primary': true } : {})}
            >
              {busy === option.id ? <Spinner /> : null}
              {option.label ?? humanize(option.id)}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}

interface OptionFormProps {
  option: StepOption;
  stepType: string;
  primary: boolean;
  busy: string | null;
  errors: FieldErrors;
  send: Send;
  previous?: FieldValues;
  extraActions?: React.ReactNode;
  submitLabel?: string;
  webauthn?: boolean;
}

function OptionForm({ option, stepType, primary, busy, errors, send, previous, extraActions, submitLabel, webauthn }: OptionFormProps) {
  const fields = useMemo(() => fieldsOf(option.schema, stepType, option.id), [option.schema, stepType, option.id]);
  const [values, setValues] = useState<FieldValues>(() => initialValues(fields, previous));
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void send(option, fields, values);
  };
  return (
    <form className="sv-form" onSubmit={onSubmit} noValidate data-option={option.id}>
      {fields.map((field) => (
        <Field
          key={field.name}
          field={field}
          value={values[field.name]}
          error={errors[field.name]}
          onChange={(v) => setValues((old) => ({ ...old, [field.name]: v }))}
          webauthn={webauthn}
        />
      ))}
      <div className="sv-actions">
        <button type="submit" className={`sv-button ${primary ? 'sv-primary' : 'sv-secondary'}`} disabled={busy !== null}>
          {busy === option.id ? <Spinner /> : null}
          {submitLabel ?? option.label ?? humanize(option.id)}
        </button>
        {extraActions}
      </div>
    </form>
  );
}

function Field({
  field,
  value,
  error,
  onChange,
  webauthn,
}: {
  field: FieldSpec;
  value: string | boolean | undefined;
  error?: string;
  onChange: (v: string | boolean) => void;
  webauthn?: boolean;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [field.description ? hintId : null, error ? errorId : null].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    name: field.name,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': describedBy,
    'aria-required': field.required || undefined,
  };
  if (field.kind === 'checkbox') {
    return (
      <div className={`sv-field sv-check${error ? ' sv-invalid' : ''}`}>
        <input type="checkbox" {...common} checked={value === true} onChange={(e) => onChange(e.target.checked)} />
        <label htmlFor={id}>{field.label}</label>
        {field.description && <p id={hintId} className="sv-hint">{field.description}</p>}
        {error && <p id={errorId} className="sv-field-error">{error}</p>}
      </div>
    );
  }
  const text = typeof value === 'string' ? value : '';
  let control: React.ReactNode;
  if (field.kind === 'select') {
    control = (
      <select {...common} value={text} onChange={(e) => onChange(e.target.value)}>
        {!field.required && <option value="">—</option>}
        {field.options!.map((o) => (
          <option key={JSON.stringify(o.value)} value={JSON.stringify(o.value)}>
            {o.label}
          </option>
        ))}
      </select>
    );
  } else if (field.kind === 'json') {
    control = <textarea {...common} rows={4} spellCheck={false} value={text} onChange={(e) => onChange(e.target.value)} />;
  } else {
    const input: Record<string, string | undefined> = {
      text: 'text',
      email: 'email',
      password: 'password',
      code: 'text',
      number: 'number',
      integer: 'number',
      date: 'date',
      tel: 'tel',
      url: 'url',
    };
    const plainAutoComplete =
      field.kind === 'code' ? 'one-time-code' : field.kind === 'email' ? 'email' : field.kind === 'tel' ? 'tel' : field.kind === 'password' ? (field.autoComplete ?? 'current-password') : /user/i.test(field.name) ? 'username' : 'off';
    const autoComplete = webauthn && plainAutoComplete === 'username' ? 'username webauthn' : plainAutoComplete;
    control = (
      <input
        {...common}
        type={input[field.kind]}
        className={field.kind === 'code' ? 'sv-code-input' : undefined}
        inputMode={field.kind === 'code' ? 'numeric' : field.kind === 'integer' ? 'numeric' : undefined}
        autoComplete={autoComplete}
        autoCapitalize={field.kind === 'text' ? 'off' : undefined}
        spellCheck={false}
        maxLength={typeof field.schema.maxLength === 'number' ? field.schema.maxLength : undefined}
        value={text}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  }
  return (
    <div className={`sv-field${error ? ' sv-invalid' : ''}`}>
      <label htmlFor={id}>
        {field.label}
        {!field.required && <span className="sv-optional"> (optional)</span>}
      </label>
      {field.description && <p id={hintId} className="sv-hint">{field.description}</p>}
      {control}
      {error && (
        <p id={errorId} className="sv-field-error">
          {error}
        </p>
      )}
    </div>
  );
}

/** What a step asks the client to show, beyond its title and text (custom steps included). */
function StepData({ data }: { data: JsonObject }) {
  const shown = Object.entries(data).filter(([key]) => key !== 'title' && key !== 'text');
  const nested = shown.length === 1 && shown[0][0] === 'data' && isRecord(shown[0][1]) ? Object.entries(shown[0][1] as JsonObject) : shown;
  if (nested.length === 0) return null;
  return (
    <dl className="sv-data">
      {nested.map(([key, value]) => (
        <div key={key} className="sv-data-row">
          <dt>{humanize(key)}</dt>
          <dd>{typeof value === 'string' && value.startsWith('data:image/') ? <img src={value} alt={humanize(key)} /> : formatValue(value)}</dd>
        </div>
      ))}
    </dl>
  );
}

const isRecord = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** totp.register: the QR code, the secret to type by hand, and the recovery codes. */
function TotpEnrolment({ data }: { data: JsonObject }) {
  const secret = typeof data.secret === 'string' ? data.secret : '';
  const qr = typeof data.qrCode === 'string' ? data.qrCode : null;
  const codes = Array.isArray(data.recoveryCodes) ? (data.recoveryCodes as string[]) : [];
  const [showKey, setShowKey] = useState(false);
  const t = useTexts();
  return (
    <div className="sv-totp">
      <ol className="sv-steps">
        <li>
          <span>{t('totp.scan')}</span>
          {qr && (
            <div className="sv-qr">
              <img src={qr} alt={t('totp.qrAlt')} width={184} height={184} data-testid="totp-qr" />
            </div>
          )}
          <button type="button" className="sv-link" aria-expanded={showKey} onClick={() => setShowKey((v) => !v)}>
            {showKey ? t('totp.hideKey') : t('totp.showKey')}
          </button>
          {showKey && (
            <div className="sv-secret-box">
              <span className="sv-label-small">{t('totp.setupKey')}</span>
              <code className="sv-secret" data-testid="totp-secret" data-secret={secret}>
                {secret.replace(/(.{4})/g, '$1 ').trim()}
              </code>
              <CopyButton text={secret} label={t('totp.copyKey')} />
            </div>
          )}
          {/* The secret stays in the DOM for assistive tech and tests even while collapsed. */}
          {!showKey && <span className="sv-visually-hidden" data-testid="totp-secret" data-secret={secret}>{t('totp.setupKey')}: {secret}</span>}
        </li>
        {codes.length > 0 && (
          <li>
            <span>{t('totp.saveCodes')}</span>
            <div className="sv-recovery">
              <ul aria-label={t('totp.recoveryCodes')}>
                {codes.map((code) => (
                  <li key={code}>
                    <code>{code}</code>
                  </li>
                ))}
              </ul>
              <CopyButton text={codes.join('\n')} label={t('totp.copyCodes')} />
            </div>
          </li>
        )}
        <li>
          <span>{t('totp.enterCode')}</span>
        </li>
      </ol>
    </div>
  );
}

export function CopyButton({ text, label }: { text: string; label: string }) {
  const t = useTexts();
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="sv-button sv-ghost sv-small"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
          setCopied(true);
          setTimeout(() => setCopied(false), 1600);
        } catch {
          // clipboard refused: the text is on screen to select by hand
        }
      }}
    >
      <span aria-live="polite">{copied ? t('copy.copied') : label}</span>
    </button>
  );
}

/** sms.otp / email.otp: where the code went, the code field, and resend (on another channel too). */
function OtpEntry({ step, busy, errors, send, previous }: OptionsProps) {
  const data = step.data as { destination?: string; channel?: string; resendsLeft?: number; expiresAt?: string };
  const verify = step.options.find((o) => o.id === 'verify') ?? step.options[0];
  const resend = step.options.find((o) => o.id === 'resend');
  const channelProp = resend ? (schemaProperties(resend.schema).find(([n]) => n === 'channel')?.[1] as JsonObject | undefined) : undefined;
  const channels = Array.isArray(channelProp?.enum) ? (channelProp!.enum as string[]) : [];
  const others = channels.filter((c) => c !== data.channel);
  const resendsLeft = typeof data.resendsLeft === 'number' ? data.resendsLeft : null;
  const canResend = resend && resendsLeft !== 0;
  const t = useTexts();
  const channelName = (c?: string) => (c === 'sms' ? t('channel.sms') : c === 'whatsapp' ? t('channel.whatsapp') : c === 'email' ? t('channel.email') : (c ?? t('channel.other')));
  const rest = step.options.filter((o) => o !== verify && o !== resend);
  return (
    <div className="sv-otp">
      {data.destination && (
        <p className="sv-text" data-testid="otp-destination">
          {t('otp.sentTo', { channel: channelName(data.channel) })} <strong>{data.destination}</strong>.
        </p>
      )}
      {verify && (
        <OptionForm
          option={verify}
          stepType={step.type}
          primary
          busy={busy}
          errors={errors}
          send={send}
          previous={previous}
          submitLabel={verify.label ?? t('otp.verify')}
          extraActions={rest.map((o) => (
            <button key={o.id} type="button" className="sv-button sv-secondary" disabled={busy !== null} onClick={() => send(o, [], null)}>
              {o.label ?? humanize(o.id)}
            </button>
          ))}
        />
      )}
      {resend && (
        <div className="sv-resend">
          <span className="sv-muted">{t('otp.notReceived')}</span>
          <button type="button" className="sv-link" disabled={!canResend || busy !== null} onClick={() => send(resend, [], null)} data-testid="otp-resend">
            {busy === 'resend' ? t('otp.sending') : t('otp.resend')}
          </button>
          {others.map((channel) => (
            <button key={channel} type="button" className="sv-link" disabled={!canResend || busy !== null} onClick={() => sendResendOn(send, resend, channel)}>
              {t('otp.sendBy', { channel: channelName(channel) })}
            </button>
          ))}
          {resendsLeft !== null && (
            <span className="sv-muted sv-small-text">{resendsLeft === 0 ? t('otp.noMoreResends') : t('otp.resendsLeft', { count: resendsLeft })}</span>
          )}
        </div>
      )}
    </div>
  );
}

/**
 * email.link: where the link went, the code to type when it is opened on another device, "I've
 * opened the link" and resend. The hosted runner also polls the session, so the page moves on by
 * itself once the link is used.
 */
function LinkWait({ step, busy, send }: OptionsProps) {
  const data = step.data as { sentTo?: string; code?: string; resendsLeft?: number };
  const check = step.options.find((o) => o.id === 'check');
  const resend = step.options.find((o) => o.id === 'resend');
  const rest = step.options.filter((o) => o !== check && o !== resend);
  const resendsLeft = typeof data.resendsLeft === 'number' ? data.resendsLeft : null;
  const t = useTexts();
  return (
    <div className="sv-otp" data-testid="link-wait">
      {data.sentTo && (
        <p className="sv-text" data-testid="link-sent-to">
          {t('link.sentTo', { to: data.sentTo })}
        </p>
      )}
      {typeof data.code === 'string' && (
        <div className="sv-secret-box" data-testid="link-code-box">
          <span className="sv-label-small">{t('link.otherDevice')}</span>
          <code className="sv-secret sv-link-code" data-testid="link-code">
            {data.code}
          </code>
        </div>
      )}
      <div className="sv-actions sv-actions-stack">
        {check && (
          <button type="button" className="sv-button sv-primary" disabled={busy !== null} onClick={() => send(check, [], null)} data-option="check" data-primary>
            {busy === check.id ? <Spinner /> : null}
            {check.label ?? 'I’ve opened the link'}
          </button>
        )}
        {rest.map((o) => (
          <button key={o.id} type="button" className="sv-button sv-secondary" disabled={busy !== null} onClick={() => send(o, [], null)} data-option={o.id}>
            {o.label ?? humanize(o.id)}
          </button>
        ))}
      </div>
      {resend && (
        <div className="sv-resend">
          <span className="sv-muted">{t('otp.notReceived')}</span>
          <button type="button" className="sv-link" disabled={resendsLeft === 0 || busy !== null} onClick={() => send(resend, [], null)} data-testid="link-resend">
            {busy === 'resend' ? t('otp.sending') : (resend.label ?? t('link.resend'))}
          </button>
          {resendsLeft !== null && (
            <span className="sv-muted sv-small-text">{resendsLeft === 0 ? t('otp.noMoreResends') : t('otp.resendsLeft', { count: resendsLeft })}</span>
          )}
        </div>
      )}
    </div>
  );
}

function sendResendOn(send: Send, resend: StepOption, channel: string) {
  const fields = fieldsOf(resend.schema).filter((f) => f.name === 'channel');
  return send(resend, fields, { channel: JSON.stringify(channel) });
}

export function Spinner() {
  return <span className="sv-spinner" aria-hidden="true" />;
}
