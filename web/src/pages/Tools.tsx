import { useEffect } from 'react';
import { Link, useParams } from 'react-router';
import { databasePath } from '../api.js';
import { Banners } from '../components/Banners.js';
import { JobProgress, jobIdOf } from '../components/JobProgress.js';
import { StatusPanel } from '../components/StatusPanel.js';
import { useCatalog, useGet, usePolicy } from '../load.js';
import { ToolsPageContext, useToolsPage, type ToolsPageState } from '../tools/context.js';
import type { ToolSection } from '../tools/define.js';
import { toolSections } from '../tools/index.js';
import type { PageModel, ToolModel } from '../types.js';

function SectionFrame({ section, model, page }: { section: ToolSection; model: ToolModel; page: PageModel }) {
  const { refresh } = useToolsPage();
  const headingId = `tool-${section.key}`;
  const job = jobIdOf(model.job);
  return (
    <section className={section.wide ? 'card tool wide' : 'card tool'} aria-labelledby={headingId} data-tool={section.key}>
      <h2 id={headingId}>{section.title}</h2>
      {model.error ? (
        <p className="error" role="alert">
          {model.error}
        </p>
      ) : (
        <>
          {job && <JobProgress jobId={job} onDone={refresh} />}
          <section.Component model={model} page={page} />
        </>
      )}
    </section>
  );
}

export function ToolsPage() {
  const { name = '' } = useParams();
  const page = useGet<PageModel>(databasePath(name));
  const operations = useCatalog();
  const policy = usePolicy();
  const model = page.data?.database.name === name ? page.data : undefined;

  useEffect(() => {
    document.title = `${name} · Tools · dbtools`;
  }, [name]);

  if (!model) {
    return (
      <>
        <p className="crumbs">
          <Link to="/">Databases</Link> /
        </p>
        <h1>{name}</h1>
        {page.error ? (
          <p className="error" role="alert">
            {page.error}
          </p>
        ) : (
          <p aria-busy="true">Loading…</p>
        )}
      </>
    );
  }

  const state: ToolsPageState = { model, refresh: page.reload, operations, policy };
  const sections = toolSections.filter((s) => s.key in model.tools);
  return (
    <ToolsPageContext.Provider value={state}>
      <div className="db-head">
        <div>
          <p className="crumbs">
            <Link to="/">Databases</Link> /
          </p>
          <h1>{model.database.name}</h1>
        </div>
        <p className="level-pill">
          Current support level: <strong>{model.level.name}</strong>
        </p>
      </div>
      <Banners />
      <StatusPanel />
      {sections.length > 0 && (
        <nav className="toc" aria-label="Tools on this page">
          {sections.map((s) => (
            <a key={s.key} href={`#tool-${s.key}`}>
              {s.title}
            </a>
          ))}
        </nav>
      )}
      <div className="tools-grid">
        {sections.map((s) => (
          <SectionFrame key={s.key} section={s} model={model.tools[s.key]} page={model} />
        ))}
      </div>
    </ToolsPageContext.Provider>
  );
}
