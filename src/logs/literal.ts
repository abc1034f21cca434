/**
 * The longest run of plain characters every match of a regular expression must contain, when
 * the expression is simple enough to tell (no alternation, no group): `Job .* done in 1\.\d+s`
 * → `done in 1.` (trimmed: a part of a required run is required too). A search finds the
 * lines holding it with Buffer.indexOf and runs the expression on those lines only, as grep
 * does; null means every line is tried.
 */
export function requiredLiteral(pattern: string): string | null {
  if (/[|()]/.test(pattern)) return null;
  let best = '';
  let run = '';
  const close = () => {
    if (run.length > best.length) best = run;
    run = '';
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    let atom: string;
    if (c === '\\') {
      const next = pattern[i + 1];
      i++;
      // An escaped punctuation character is itself; \d, \w, \b… are classes or assertions.
      if (next !== undefined && /[^A-Za-z0-9]/.test(next)) atom = next;
      else {
        close();
        if ('*+?{'.includes(pattern[i + 1] ?? '')) i = skipQuantifier(pattern, i + 1);
        continue;
      }
    } else if (c === '[') {
      close();
      // Skip the class (a `]` right after `[` or `[^` is literal inside it).
      let j = i + 1;
      if (pattern[j] === '^') j++;
      if (pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') j += pattern[j] === '\\' ? 2 : 1;
      i = j;
      // A quantifier on the class applies to it, not to a literal.
      if ('*+?{'.includes(pattern[i + 1] ?? '')) i = skipQuantifier(pattern, i + 1);
      continue;
    } else if ('.^$'.includes(c)) {
      close();
      if ('*+?{'.includes(pattern[i + 1] ?? '')) i = skipQuantifier(pattern, i + 1);
      continue;
    } else if ('*+?{'.includes(c)) {
      // A quantifier with nothing before it: give up rather than guess.
      return null;
    } else {
      atom = c;
    }
    const q = pattern[i + 1];
    if (q === '*' || q === '?' || (q === '{' && /^\{0[,}]/.test(pattern.slice(i + 1)))) {
      // Optional: the character may be absent, the run ends before it.
      close();
      i = skipQuantifier(pattern, i + 1);
    } else if (q === '+' || q === '{') {
      run += atom;
      close();
      i = skipQuantifier(pattern, i + 1);
    } else {
      run += atom;
    }
  }
  close();
  // Spaces are the most frequent byte of a log: a needle starting with one has many false starts.
  best = best.trim();
  return best.length >= 3 ? best : null;
}

/** Index of the quantifier's last character (`*`, `+`, `?`, `{m,n}`, and a lazy `?`). */
function skipQuantifier(pattern: string, i: number): number {
  let j = i;
  if (pattern[j] === '{') {
    const end = pattern.indexOf('}', j);
    j = end < 0 ? j : end;
  }
  if (pattern[j + 1] === '?') j++;
  return j;
}
