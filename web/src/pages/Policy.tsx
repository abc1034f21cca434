import { useEffect } from 'react';
import { formatNumber } from '../format.js';
import { usePolicy } from '../load.js';
import type { LevelLimits } from '../types.js';

const LIMITS: { key: keyof LevelLimits; label: string; unit: (v: number | null) => string }[] = [
  { key: 'trialDays', label: 'Extend a trial up to', unit: (v) => `today + ${v} days` },
  { key: 'emailLimit', label: 'Highest daily e-mail limit', unit: (v) => formatNumber(v) },
  { key: 'duplicateLimit', label: 'Highest duplicates limit', unit: (v) => (v === null ? 'cannot set' : String(v)) },
  { key: 'duplicateExtensionDays', label: 'Extend a duplicate’s life up to', unit: (v) => `now + ${v} days` },
];

/** What my level allows: the access map and the per-level limits, as configured on the server. */
export function PolicyPage() {
  const policy = usePolicy();
  useEffect(() => {
    document.title = 'My level · dbtools';
  }, []);
  if (!policy) return <p aria-busy="true">Loading…</p>;
  const { mine } = policy;
  const keys = Object.entries(policy.accessMap).sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
  const levelName = (v: number) => policy.levels.find((l) => l.value === v)?.name ?? `Level ${v}`;
  return (
    <>
      <div className="page-head">
        <h1>What my level allows</h1>
        <p className="muted">
          You are <strong>{mine.name}</strong> (level {mine.level}). The server checks every action against this
          configuration.
        </p>
      </div>
      <div className="policy-grid">
        <section className="card" aria-labelledby="limits-title">
          <h2 id="limits-title">My limits</h2>
          <dl className="facts">
            {LIMITS.map((l) => (
              <div key={l.key} className="fact-row">
                <dt>{l.label}</dt>
                <dd>{mine.limits[l.key] === 0 && l.key !== 'duplicateLimit' ? 'not allowed' : l.unit(mine.limits[l.key])}</dd>
              </div>
            ))}
          </dl>
        </section>
        <section className="card" aria-labelledby="access-title">
          <h2 id="access-title">Tools and the level they need</h2>
          <table className="compact">
            <caption className="sr-only">Access map</caption>
            <thead>
              <tr>
                <th scope="col">Tool (access key)</th>
                <th scope="col">Needs</th>
                <th scope="col">For me</th>
              </tr>
            </thead>
            <tbody>
              {keys.map(([key, level]) => (
                <tr key={key}>
                  <td className="mono">{key}</td>
                  <td>{levelName(level)}</td>
                  <td>{mine.level >= level ? <span className="badge outcome-success">allowed</span> : <span className="badge muted-badge">no</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section className="card wide" aria-labelledby="levels-title">
          <h2 id="levels-title">Limits of every level</h2>
          <div className="table-wrap">
            <table className="compact">
              <thead>
                <tr>
                  <th scope="col">Level</th>
                  {LIMITS.map((l) => (
                    <th scope="col" key={l.key}>
                      {l.label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {policy.levels.map((lv) => {
                  const limits = policy.limits[String(lv.value)];
                  return (
                    <tr key={lv.value} className={lv.value === mine.level ? 'current' : undefined}>
                      <th scope="row">
                        {lv.value} · {lv.name}
                      </th>
                      {LIMITS.map((l) => (
                        <td key={l.key}>{limits ? l.unit(limits[l.key]) : '—'}</td>
                      ))}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </section>
      </div>
    </>
  );
}
