import type { Page } from 'playwright-core';

/** A defect the layout check found, named so a reader finds the element. */
export interface LayoutDefect {
  kind: 'overflow' | 'overlap' | 'clipped' | 'small-target';
  what: string;
}

/**
 * Runs in the page: horizontal overflow of the document, text boxes that overlap each other or
 * are cut off by their box (a select narrower than its chosen option, an input narrower than its
 * value, a box hiding overflowing text), and controls smaller than 24 × 24 px (WCAG 2.5.8; a link
 * inside a sentence is exempt, as there; a checkbox or radio is measured without its label). Only
 * what is visible on screen counts.
 */
export function checkLayout(page: Page, within?: string): Promise<LayoutDefect[]> {
  return page.evaluate((withinSelector) => {
    const root: Element = (withinSelector && document.querySelector(withinSelector)) || document.body;
    const out: { kind: 'overflow' | 'overlap' | 'clipped' | 'small-target'; what: string }[] = [];
    const describe = (el: Element) => {
      const id = el.id ? `#${el.id}` : '';
      const cls =
        typeof el.className === 'string' && el.className
          ? '.' + el.className.trim().split(/\s+/).join('.')
          : '';
      const text = (el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 40);
      const region = el.closest('section[aria-labelledby], [role=region]');
      const regionName = region
        ? ` in "${(document.getElementById(region.getAttribute('aria-labelledby') ?? '')?.textContent ?? '').trim()}"`
        : '';
      return `<${el.tagName.toLowerCase()}${id}${cls}> "${text}"${regionName}`;
    };
    const visible = (el: Element) => {
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden' || style.display === 'none') return false;
      const r = el.getBoundingClientRect();
      if (r.width <= 1 || r.height <= 1) return false; // .sr-only and the like
      // Inside a closed <details>.
      if (el.closest('details:not([open]) > :not(summary)')) return false;
      // Inside a visually hidden box (the sr-only pattern: 1 px, clipped), e.g. a stacked table's header.
      for (let a = el.parentElement; a; a = a.parentElement) {
        const box = a.getBoundingClientRect();
        const st = getComputedStyle(a);
        if ((box.width <= 1 || box.height <= 1) && (st.overflow === 'hidden' || st.clip !== 'auto'))
          return false;
      }
      return true;
    };

    const doc = document.documentElement;
    if (doc.scrollWidth > doc.clientWidth + 1) {
      // Name the widest culprits: elements reaching past the viewport's right edge.
      const culprits = [...root.querySelectorAll('*')]
        .filter((el) => visible(el) && el.getBoundingClientRect().right > doc.clientWidth + 1)
        .filter((el) => ![...el.children].some((c) => c.getBoundingClientRect().right > doc.clientWidth + 1))
        .slice(0, 5)
        .map(describe);
      out.push({
        kind: 'overflow',
        what: `page is ${doc.scrollWidth} px wide for ${doc.clientWidth}: ${culprits.join('; ')}`,
      });
    }

    // Text boxes: the line boxes of every visible text node.
    const boxes: { el: Element; r: DOMRect }[] = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!n.textContent?.trim()) continue;
      const el = n.parentElement!;
      if (el.closest('option, script, style, svg, .sr-only, [aria-hidden="true"], select') || !visible(el))
        continue;
      range.selectNodeContents(n);
      for (const r of range.getClientRects()) if (r.width > 1 && r.height > 1) boxes.push({ el, r });
    }
    boxes.sort((a, b) => a.r.top - b.r.top);
    const overlaps = new Set<string>();
    for (let i = 0; i < boxes.length; i++) {
      const a = boxes[i];
      for (let j = i + 1; j < boxes.length && boxes[j].r.top < a.r.bottom; j++) {
        const b = boxes[j];
        if (a.el === b.el || a.el.contains(b.el) || b.el.contains(a.el)) continue;
        const x = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
        const y = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
        // Line boxes of adjacent lines may touch by a pixel or two (line-height below 1.2).
        if (x > 2 && y > 4) {
          const key = describe(a.el) + ' × ' + describe(b.el);
          if (!overlaps.has(key)) overlaps.add(key);
        }
      }
    }
    for (const what of overlaps) out.push({ kind: 'overlap', what });

    // Clipped: a box that hides overflowing content, and form fields too narrow for their text.
    const canvas = document.createElement('canvas').getContext('2d')!;
    const textWidth = (text: string, el: Element) => {
      const s = getComputedStyle(el);
      canvas.font = `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
      return canvas.measureText(text).width;
    };
    for (const el of root.querySelectorAll('*')) {
      if (!visible(el)) continue;
      const s = getComputedStyle(el);
      if (el instanceof HTMLSelectElement) {
        // The room a select gives its value is its box less the padding and the arrow, whose width
        // the style sheet does not say (the browser's theme draws it). So a copy holding only the
        // chosen option, free to take the width it needs, says how wide the select must be.
        const chosen = el.selectedOptions[0];
        if (!chosen) continue;
        const probe = el.cloneNode(false) as HTMLSelectElement;
        probe.removeAttribute('id');
        probe.append(chosen.cloneNode(true));
        probe.style.cssText =
          'position:absolute;visibility:hidden;width:auto;min-width:0;max-width:none;left:0;top:0';
        el.parentElement!.append(probe);
        const needed = probe.getBoundingClientRect().width;
        probe.remove();
        const has = el.getBoundingClientRect().width;
        // Cut but readable all the same: an element describing the select shows the whole choice.
        const whole = chosen.title || chosen.textContent || '';
        const shownWhole = (el.getAttribute('aria-describedby') ?? '')
          .split(/\s+/)
          .map((id) => document.getElementById(id))
          .some((d) => d && visible(d) && (d.textContent ?? '').includes(whole));
        if (needed > has + 1 && !shownWhole)
          out.push({
            kind: 'clipped',
            what: `${describe(el)} shows "${chosen.textContent ?? ''}" in ${Math.round(has)} px (it needs ${Math.round(needed)})`,
          });
        continue;
      }
      if (el instanceof HTMLInputElement && ['text', 'search', 'email', 'url', ''].includes(el.type)) {
        const shown = el.value || el.placeholder;
        const room = el.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
        if (shown && textWidth(shown, el) > room + 1 && !el.value)
          out.push({
            kind: 'clipped',
            what: `${describe(el)} placeholder "${shown}" in ${Math.round(room)} px`,
          });
        continue;
      }
      const hides = ['hidden', 'clip'].includes(s.overflowX) || s.textOverflow === 'ellipsis';
      // A box meant to scroll (overflow auto) is not clipping; one that hides text is, unless it
      // holds tenant text the app cuts on purpose and shows whole in its title.
      if (
        hides &&
        el.scrollWidth > el.clientWidth + 1 &&
        (el.textContent ?? '').trim() &&
        !el.closest('[title]')
      ) {
        out.push({
          kind: 'clipped',
          what: `${describe(el)} hides ${el.scrollWidth - el.clientWidth} px of text`,
        });
      }
    }

    // Targets: every control, at least 24 × 24 px.
    const controls = root.querySelectorAll(
      'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [tabindex]:not([tabindex="-1"])',
    );
    for (const el of controls) {
      if (!visible(el) || el.closest('.skip-link')) continue;
      if (el instanceof HTMLInputElement && el.type === 'file' && getComputedStyle(el).opacity === '0')
        continue;
      if (el.tagName === 'A') {
        // A link in running text (a sentence around it) is exempt.
        const parent = el.parentElement!;
        const around = (parent.textContent ?? '').replace(el.textContent ?? '', '').trim();
        if (
          around.length > 0 &&
          getComputedStyle(el).display === 'inline' &&
          !['TD', 'TH', 'NAV', 'LI'].includes(parent.tagName)
        )
          continue;
      }
      // A checkbox or radio is measured by itself, not with its label: the label toggles it too,
      // but a finger aims at the box, and a label may sit apart from it.
      const r = el.getBoundingClientRect();
      if (r.width < 24 - 0.5 || r.height < 24 - 0.5)
        out.push({
          kind: 'small-target',
          what: `${describe(el)} is ${Math.round(r.width)}×${Math.round(r.height)} px`,
        });
    }
    return out;
  }, within);
}
