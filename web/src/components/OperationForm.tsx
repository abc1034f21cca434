import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError, errorMessage } from '../api.js';
import { useToolsPage } from '../tools/context.js';
import type { JsonSchema, OperationInfo } from '../types.js';
import { optionText, tenantPlainText } from '../tenant-text.js';
import { ChoiceSelect } from './ChoiceSelect.js';
import { jobIdOf } from './JobProgress.js';
import { TenantText } from './TenantText.js';

/** What a section knows better than the schema: bounds from the page model, labels, defaults. */
export interface FieldOverride {
  label?: string;
  min?: number | string;
  max?: number | string;
  hint?: string;
  defaultValue?: string | number | boolean;
  /** A choice among these instead of a free input (e.g. the users of a table). */
  options?: { value: string | number; label: string }[];
}

export interface OperationFormProps {
  /** The operation's name in the registry (GET /api/operations). */
  operation: string;
  /** Defaults to the database of the Tools page. */
  database?: string;
  fields?: Record<string, FieldOverride>;
  /** Inputs the section supplies (a row's login, the active session's user): sent as they are, not shown. */
  fixed?: Record<string, unknown>;
  /** Says what the form acts on to assistive technology (default: the operation's title). */
  legend?: string;
  /** A one-button form inside a table row or a banner: no separator, no spacing. */
  compact?: boolean;
  /** Replaces the operation's title on the button. */
  submitLabel?: string;
  /** What the confirmation of a destructive operation says (default: it acts on the database, and the summary). */
  confirm?: ReactNode;
  /** The confirmation's title and button, when the submit label is too short to stand alone (default: the submit label). */
  confirmLabel?: string;
  /** Asks for the confirmation of a non-destructive operation when these inputs call for it (a replace box ticked). */
  confirmWhen?(input: Record<string, unknown>): boolean;
  /** Called after success, once the page model is being refreshed. */
  onDone?(result: unknown): void;
}

type Kind = 'integer' | 'number' | 'date' | 'boolean' | 'enum' | 'text';

function kindOf(s: JsonSchema): Kind {
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  if (s.enum) return 'enum';
  if (type === 'integer') return 'integer';
  if (type === 'number') return 'number';
  if (type === 'boolean') return 'boolean';
  if (type === 'string' && (s.format === 'date' || s.format === 'date-time')) return 'date';
  return 'text';
}

// zod writes the safe-integer range when no bound was given: that is no bound for a person.
const meaningful = (n: number | undefined) => (n !== undefined && Math.abs(n) < Number.MAX_SAFE_INTEGER ? n : undefined);

function tighter(a: number | string | undefined, b: number | string | undefined, pick: 'min' | 'max') {
  if (a === undefined) return b;
  if (b === undefined) return a;
  if (typeof a === 'number' && typeof b === 'number') return pick === 'min' ? Math.max(a, b) : Math.min(a, b);
  return pick === 'min' ? (String(a) > String(b) ? a : b) : String(a) < String(b) ? a : b;
}

function humanize(key: string): string {
  const s = key.replace(/[_-]+/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * The form of one registered operation, built from its input schema: bounded inputs, the
 * validation number when the operation needs one, a confirmation for destructive ones, the
 * server's message inline on failure, and the page model refreshed on success.
 */
export function OperationForm({
  operation,
  database,
  fields = {},
  fixed = {},
  legend,
  compact,
  submitLabel,
  confirm,
  confirmLabel,
  confirmWhen,
  onDone,
}: OperationFormProps) {
  const { model, refresh, operations, jobs, watchJob } = useToolsPage();
  const op: OperationInfo | undefined = operations?.find((o) => o.name === operation);
  const uid = useId();
  const dialog = useRef<HTMLDialogElement>(null);
  const form = useRef<HTMLFormElement>(null);
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [job, setJob] = useState<string>();
  const target = database ?? model.database.name;
  // The page shows the progress of the job this form started; the form waits until it ends.
  const jobRunning = !!job && jobs.some((j) => j.id === job && !j.finished);

  useEffect(() => {
    setDone(undefined);
  }, [model]);

  if (!op) return null;
  const properties = Object.entries(op.input.properties ?? {}).filter(([key]) => !(key in fixed));
  const required = new Set(op.input.required ?? []);
  const locked = model.database.locked && !op.allowedWhenLocked;
  const tool = model.tools[op.access];
  // At the tool's top level, or under the operation's own entry (`tools.drop.drop.validationNumber`).
  const validationNumber = tool?.validationNumber ?? (tool?.[op.name] as { validationNumber?: string } | undefined)?.validationNumber;

  function collect(data: FormData): Record<string, unknown> {
    const input: Record<string, unknown> = {};
    for (const [key, schema] of properties) {
      const kind = kindOf(schema);
      if (kind === 'boolean') {
        input[key] = data.get(key) === 'on';
        continue;
      }
      const raw = String(data.get(key) ?? '').trim();
      if (raw === '') continue;
      input[key] = kind === 'integer' || kind === 'number' ? Number(raw) : raw;
    }
    Object.assign(input, fixed);
    if (op!.needsValidation) input.validation = String(data.get('validation') ?? '').trim();
    return input;
  }

  async function send() {
    if (!form.current) return;
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      const answer = await api.call('POST /api/databases/:name/operations/:operation', {
        params: { name: target, operation: op!.name },
        body: collect(new FormData(form.current)),
      });
      const queued = 'job' in answer ? answer.job : undefined;
      const started = jobIdOf(queued);
      if (queued && started) {
        setJob(started);
        watchJob({ id: started, kind: queued.kind }, op!.access);
      }
      form.current?.reset();
      refresh();
      setDone(started ? 'Started.' : 'Done.');
      onDone?.('job' in answer ? answer.job : answer.result);
    } catch (e) {
      setError(errorMessage(e));
      // A refused operation leaves an entry in the history: show it.
      if (e instanceof ApiError && e.status >= 400 && e.status !== 401) refresh();
    } finally {
      setBusy(false);
    }
  }

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (op!.destructive || confirmWhen?.(collect(new FormData(e.currentTarget)))) dialog.current?.showModal();
    else void send();
  }

  const errorId = `${uid}-error`;
  // noValidate: the bounds guide the pickers, but the server decides and its message says why.
  return (
    <form ref={form} className={compact ? 'op-form compact' : 'op-form'} onSubmit={submit} aria-describedby={error ? errorId : undefined} noValidate>
      <fieldset disabled={locked || busy || jobRunning}>
        <legend className="sr-only">{tenantPlainText(legend ?? op.title)}</legend>
        <div className="op-fields">
          {properties.map(([key, schema]) => {
            const o = fields[key] ?? {};
            const id = `${uid}-${key}`;
            const hintId = `${id}-hint`;
            const kind = kindOf(schema);
            const label = o.label ?? schema.description ?? schema.title ?? humanize(key);
            const hint = o.hint;
            if (kind === 'boolean') {
              return (
                <div className="field check" key={key}>
                  <input id={id} name={key} type="checkbox" defaultChecked={o.defaultValue === true} />
                  <label htmlFor={id}>{label}</label>
                </div>
              );
            }
            const common = {
              id,
              name: key,
              required: required.has(key),
              'aria-describedby': hint ? hintId : undefined,
              'aria-invalid': error ? true : undefined,
              defaultValue: o.defaultValue === undefined ? undefined : String(o.defaultValue),
            };
            let input;
            if (o.options) {
              const { 'aria-describedby': describedBy, ...rest } = common;
              input = <ChoiceSelect {...rest} describedBy={describedBy} choices={o.options} />;
            } else if (kind === 'enum') {
              input = (
                <select {...common}>
                  {(schema.enum ?? []).map((v) => (
                    <option key={String(v)} value={String(v)}>
                      {optionText(String(v))}
                    </option>
                  ))}
                </select>
              );
            } else if (kind === 'date') {
              input = <input {...common} type="date" min={o.min as string | undefined} max={o.max as string | undefined} />;
            } else if (kind === 'integer' || kind === 'number') {
              const min = tighter(meaningful(schema.minimum), o.min, 'min');
              const max = tighter(meaningful(schema.maximum), o.max, 'max');
              input = <input {...common} type="number" inputMode="numeric" step={kind === 'integer' ? 1 : 'any'} min={min} max={max} />;
            } else {
              input = <input {...common} type="text" minLength={schema.minLength} maxLength={schema.maxLength} />;
            }
            return (
              <div className="field" key={key}>
                <label htmlFor={id}>{label}</label>
                {input}
                {hint && (
                  <span className="hint" id={hintId}>
                    {hint}
                  </span>
                )}
              </div>
            );
          })}
          {op.needsValidation && (
            <div className="field">
              <label htmlFor={`${uid}-validation`}>Validation number</label>
              <input
                id={`${uid}-validation`}
                name="validation"
                inputMode="numeric"
                autoComplete="off"
                required
                aria-describedby={`${uid}-validation-hint`}
              />
              <span className="hint" id={`${uid}-validation-hint`}>
                {validationNumber ? (
                  <>
                    Type <strong className="mono">{validationNumber}</strong> to confirm.
                  </>
                ) : (
                  'Type the validation number shown on this page.'
                )}
              </span>
            </div>
          )}
          <div className="field actions">
            <button type="submit" className={op.destructive ? 'button danger' : 'button primary'}>
              {busy ? 'Working…' : (submitLabel ?? op.title)}
            </button>
          </div>
        </div>
      </fieldset>
      {locked && <p className="hint">The database is locked: {op.title.toLowerCase()} is not possible until it is unlocked.</p>}
      {error && (
        <p className="error" role="alert" id={errorId}>
          <TenantText value={error} sentence />
        </p>
      )}
      {done && !error && (
        <p className="success" role="status">
          {done}
        </p>
      )}
      {(op.destructive || confirmWhen) && (
        <dialog ref={dialog} className="confirm" aria-labelledby={`${uid}-confirm-title`}>
          <h3 id={`${uid}-confirm-title`}>{confirmLabel ?? submitLabel ?? op.title}?</h3>
          {confirm ?? (
            <p>
              This acts on <strong>{target}</strong> and cannot simply be undone. {op.summary}
            </p>
          )}
          <div className="dialog-actions">
            <button type="button" className="button" autoFocus onClick={() => dialog.current?.close()}>
              Cancel
            </button>
            <button
              type="button"
              className={op.destructive ? 'button danger' : 'button primary'}
              onClick={() => {
                dialog.current?.close();
                void send();
              }}
            >
              {confirmLabel ?? submitLabel ?? op.title}
            </button>
          </div>
        </dialog>
      )}
    </form>
  );
}
