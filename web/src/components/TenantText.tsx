import { bidiMarker, bidiParts, hasBidiControl, tenantPlainText } from '../tenant-text.js';

/** Short values read in full on the page: a title would only repeat them. */
const TITLE_FROM_CHARS = 40;

/**
 * One piece of tenant or metabase text: isolated from the text around it (`<bdi>`), each bidi
 * control shown as a marker instead of acting, and a long value clamped to a few lines with the
 * full value (markers included) in the title. Selecting and copying takes the whole value.
 */
export function TenantText({
  value,
  sentence,
  className,
  empty = '—',
}: {
  value: string | null | undefined;
  /** A message quoting values (server error, history entry): wider and more lines than a value. */
  sentence?: boolean;
  className?: string;
  /** Shown when there is no value. */
  empty?: string;
}) {
  if (value === null || value === undefined || value === '') return <>{empty}</>;
  const classes = ['tenant-text', sentence ? 'sentence' : '', className ?? ''].filter(Boolean).join(' ');
  const title = value.length >= TITLE_FROM_CHARS || hasBidiControl(value) ? tenantPlainText(value) : undefined;
  return (
    <bdi className={classes} title={title}>
      {bidiParts(value).map((part, i) =>
        i % 2 === 1 ? (
          <span key={i} className="bidi-mark">
            {bidiMarker(part)}
          </span>
        ) : (
          part
        ),
      )}
    </bdi>
  );
}
