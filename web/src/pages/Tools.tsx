import { useCallback, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { Banners } from '../components/Banners.js';
import { JobProgress } from '../components/JobProgress.js';
import { StatusPanel } from '../components/StatusPanel.js';
import { useCatalog, useGet, usePolicy } from '../load.js';
import { ToolsPageContext, type ToolsPageState, type WatchedJob } from '../tools/context.js';
import type { ToolSection } from '../tools/define.js';
import { toolSections } from '../tools/index.js';
import type { Job, PageModel, ToolModel } from '../types.js';
import { TenantText } from '../components/TenantText.js';
import { tenantPlainText } from '../tenant-text.js';

/**
 * The section a job's progress shows in: the one declaring its kind (the same before and after a
 * refresh of the page), else the one whose form started it.
 */
function sectionOf(job: WatchedJob): string | undefined {
  return toolSections.find((s) => job.kind && s.jobKinds?.includes(job.kind))?.key ?? job.access;
}

function WatchedJobs({ jobs, onDone }: { jobs: WatchedJob[]; onDone(job: Job): void }) {
  return (
    <>
      {jobs.map((j) => (
        <JobProgress key={j.id} jobId={j.id} onDone={onDone} />
      ))}
    </>
  );
}

function SectionFrame({
  section,
  model,
  page,
  jobs,
  onJobDone,
}: {
  section: ToolSection;
  model: ToolModel;
  page: PageModel;
  jobs: WatchedJob[];
  onJobDone(job: Job): void;
}) {
  const headingId = `tool-${section.id ?? section.key}`;
  return (
    <section className={section.wide ? 'card tool wide' : 'card tool'} aria-labelledby={headingId} data-tool={section.key}>
      <h2 id={headingId}>{section.title}</h2>
      {model.error ? (
        <p className="error" role="alert">
          <TenantText value={model.error} sentence />
        </p>
      ) : (
        <>
          <WatchedJobs jobs={jobs} onDone={onJobDone} />
          <section.Component model={model} page={page} />
        </>
      )}
    </section>
  );
}

export function ToolsPage() {
  const { name = '' } = useParams();
  const page = useGet('GET /api/databases/:name', { params: { name } });
  const operations = useCatalog();
  const policy = usePolicy();
  const model = page.data?.database.name === name ? page.data : undefined;
  const [jobs, setJobs] = useState<WatchedJob[]>([]);
  const reload = page.reload;

  useEffect(() => {
    document.title = `${tenantPlainText(name, 80)} · Tools · dbtools`;
    setJobs([]);
  }, [name]);

  const watchJob = useCallback((job: { id: string; kind?: string }, access?: string) => {
    setJobs((list) => {
      const known = list.find((j) => j.id === job.id);
      if (known) return list.map((j) => (j === known ? { ...j, kind: j.kind ?? job.kind, access: j.access ?? access } : j));
      const added: WatchedJob = { id: job.id, kind: job.kind, access };
      const section = sectionOf(added);
      // A new job replaces the finished ones shown in the same place.
      return [...list.filter((j) => !j.finished || sectionOf(j) !== section), added];
    });
  }, []);

  const jobDone = useCallback(
    (job: Job) => {
      setJobs((list) => list.map((j) => (j.id === String(job.id) ? { ...j, kind: j.kind ?? job.kind, finished: job } : j)));
      reload();
    },
    [reload],
  );

  // The running job of the page model: after a refresh of the browser page, or started by a colleague.
  // A job your level may not follow (started from a higher level's tool) is named, not watched.
  const running =
    model?.job && model.job.readable !== false && (model.job.state === 'queued' || model.job.state === 'running')
      ? model.job
      : undefined;
  const runningId = running ? String(running.id) : undefined;
  const runningKind = running?.kind;
  useEffect(() => {
    if (runningId) watchJob({ id: runningId, kind: runningKind });
  }, [runningId, runningKind, watchJob]);

  if (!model) {
    return (
      <>
        <p className="crumbs">
          <Link to="/">Databases</Link> /
        </p>
        <h1>
          <TenantText value={name} />
        </h1>
        {page.error ? (
          <p className="error" role="alert">
            <TenantText value={page.error} sentence />
          </p>
        ) : (
          <p aria-busy="true">Loading…</p>
        )}
      </>
    );
  }

  const state: ToolsPageState = { model, refresh: page.reload, operations, policy, jobs, watchJob };
  const sections = toolSections.filter((s) => s.key in model.tools);
  const shown = new Set(sections.map((s) => s.key));
  const elsewhere = jobs.filter((j) => {
    const key = sectionOf(j);
    return !key || !shown.has(key);
  });
  return (
    <ToolsPageContext.Provider value={state}>
      <div className="db-head">
        <div>
          <p className="crumbs">
            <Link to="/">Databases</Link> /
          </p>
          <h1>
            <TenantText value={model.database.name} />
          </h1>
        </div>
        <p className="level-pill">
          Current support level: <strong>{model.level.name}</strong>
        </p>
      </div>
      <Banners />
      {elsewhere.length > 0 && (
        <section className="card jobs-card" aria-labelledby="jobs-title">
          <h2 id="jobs-title">Long job on this database</h2>
          <WatchedJobs jobs={elsewhere} onDone={jobDone} />
        </section>
      )}
      <StatusPanel />
      {sections.length > 0 && (
        <nav className="toc" aria-label="Tools on this page">
          {sections.map((s) => (
            <a key={s.id ?? s.key} href={`#tool-${s.id ?? s.key}`}>
              {s.title}
            </a>
          ))}
        </nav>
      )}
      <div className="tools-grid">
        {sections.map((s) => (
          <SectionFrame
            key={s.id ?? s.key}
            section={s}
            model={model.tools[s.key]}
            page={model}
            jobs={jobs.filter((j) => sectionOf(j) === s.key)}
            onJobDone={jobDone}
          />
        ))}
      </div>
    </ToolsPageContext.Provider>
  );
}
