/**
 * On a phone every table stacks (styles.css): each cell then shows its column's name before its
 * value, from a data-label. The names are already in each table's header, so they are copied from
 * there, for every table the app renders, instead of being repeated by hand in each component.
 * A cell that says its own label keeps it; the first column (the row's name) gets none.
 */
function labelCells(root: ParentNode): void {
  for (const table of root.querySelectorAll('table')) {
    const heads = [...table.querySelectorAll(':scope > thead > tr:last-child > th')].map(
      (th) => th.textContent?.trim() ?? '',
    );
    if (!heads.length) continue;
    for (const row of table.querySelectorAll(':scope > tbody > tr')) {
      let column = 0;
      for (const cell of row.children) {
        const span = Number(cell.getAttribute('colspan') ?? 1);
        if (
          span === 1 &&
          column > 0 &&
          cell.tagName === 'TD' &&
          heads[column] &&
          !cell.hasAttribute('data-label')
        ) {
          cell.setAttribute('data-label', heads[column]);
        }
        column += span;
      }
    }
  }
}

/** Labels the tables under `root` now and after every change of the page, once per frame. */
export function labelTableCells(root: HTMLElement): void {
  let scheduled = false;
  const run = () => {
    scheduled = false;
    labelCells(root);
  };
  new MutationObserver(() => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(run);
  }).observe(root, { childList: true, subtree: true });
  run();
}
