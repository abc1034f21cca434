import { useLayoutEffect, useRef, useState, type SelectHTMLAttributes } from 'react';
import { optionText, tenantPlainText } from '../tenant-text.js';
import { TenantText } from './TenantText.js';

export interface Choice {
  value: string | number;
  /** Tenant text (a user's name and login, an account): any length, any characters. */
  label: string;
}

/**
 * Room the browser keeps for a select's arrow beside its padding: its theme draws it, the style
 * sheet does not size it (about 20 px in Chromium, Firefox and Safari; a few more to be safe).
 */
const ARROW_PX = 28;

let canvas: CanvasRenderingContext2D | null | undefined;

/** Whether `text` fits the select's box, arrow included, in the select's own font. */
function fits(select: HTMLSelectElement, text: string): boolean {
  canvas ??= document.createElement('canvas').getContext('2d');
  if (!canvas) return true;
  const s = getComputedStyle(select);
  canvas.font = `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
  const room = select.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight) - ARROW_PX;
  return canvas.measureText(text).width <= room;
}

/**
 * A native select among tenant-made choices. A native select never wraps its value: on a phone a
 * long choice ("Jeanne-Marie Van den Broeck-Lefèvre (jeanne-marie…)") is cut, and which user a
 * reset acts on must be readable before the button is pressed. So when the chosen label does not
 * fit, it is written out whole beneath the select (wrapping, as tenant text), and the select is
 * described by it.
 */
export function ChoiceSelect({
  choices,
  describedBy,
  ...select
}: { choices: Choice[]; describedBy?: string } & Omit<
  SelectHTMLAttributes<HTMLSelectElement>,
  'children' | 'aria-describedby' | 'value' | 'onChange'
>) {
  const ref = useRef<HTMLSelectElement>(null);
  const initial = select.defaultValue === undefined ? choices[0]?.value : select.defaultValue;
  const [chosen, setChosen] = useState(String(initial ?? ''));
  const [cut, setCut] = useState(false);
  const label = choices.find((c) => String(c.value) === chosen)?.label ?? '';

  // A form reset (after a success) puts the default back without a change event; the 'reset'
  // event comes before the fields are reset, so the value is read just after.
  useLayoutEffect(() => {
    const form = ref.current?.form;
    if (!form) return;
    const onReset = () => setTimeout(() => ref.current && setChosen(ref.current.value));
    form.addEventListener('reset', onReset);
    return () => form.removeEventListener('reset', onReset);
  }, []);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setCut(!fits(el, optionText(label)));
    measure();
    // The field narrows with the window (a phone turned, a sidebar opened).
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, [label]);

  const fullId = select.id ? `${select.id}-chosen` : undefined;
  return (
    <>
      <select
        {...select}
        ref={ref}
        onChange={(e) => setChosen(e.target.value)}
        aria-describedby={[cut ? fullId : undefined, describedBy].filter(Boolean).join(' ') || undefined}
      >
        {choices.map((c) => (
          // Labels are tenant text: an option holds text only, so controls become markers there.
          <option key={String(c.value)} value={String(c.value)} title={tenantPlainText(c.label)}>
            {optionText(c.label)}
          </option>
        ))}
      </select>
      {cut && (
        <span className="chosen-full" id={fullId}>
          <TenantText value={label} />
        </span>
      )}
    </>
  );
}
