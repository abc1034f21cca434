/**
 * The layers of /work/shared/DESIGN.md as rules `npm run lint:deps` checks (part of `npm test`).
 * From the top down; a layer imports only layers below it:
 *
 *   entry        main.ts, platform.ts, cli/, demo/, web/ (src/web: serving the built SPA)
 *   api          api/
 *   operations   operations/, tools/ (the Tools page model), impersonation/
 *   jobs         jobs/, provisioning/, and the folders of outside systems and services:
 *                mail/ frontend/ domains/ logs/ git/ upgrades/ ping/ odoo/ dumps/ audit/ accounts/
 *                observability/ agents/ (they queue jobs by definition, never through the list)
 *   foundation   config/ metabase/ tenant/ hosting/ policy/ lifecycle/, app.ts errors.ts dates.ts
 *                pg-types.ts login-lockout.ts, audit/chain.ts audit/key.ts
 *
 * upgrade-platform/ is its own service; web/src is the browser's code.
 */

const entry = '^src/(main\\.ts|platform\\.ts|cli/|demo/|web/)';
const api = '^src/api/';
const operations = '^src/(operations|tools|impersonation)/';
const jobTier = '^src/(jobs|provisioning|mail|frontend|domains|logs|git|upgrades|ping|odoo|dumps|audit|accounts|observability|agents)/';
// audit/chain.ts and audit/key.ts: the support log's hash chain, pure, which the metabase
// repository computes in the very insert of an entry.
const foundation =
  '^src/((config|metabase|tenant|hosting|policy|lifecycle)/|(app|errors|dates|pg-types|login-lockout)\\.ts$|audit/(chain|key)\\.ts$)';
/** The worker's side of jobs/: the list of kinds and schedules, and what runs them. */
const runner = '^src/jobs/(kinds|worker|execute-job)\\.ts$';

/**
 * Known violations, each a move still to make (keep this list short; an entry names the file
 * that should move):
 * - frontend/tls-domains.ts asks domains/served.ts which custom domains have a certificate
 *   (nginx renders their TLS blocks); domains/ is above frontend/ (it reloads nginx after
 *   issuing). The front end should be handed the served domains by its callers.
 * - config/config.ts validates the platform zone with frontend/host-name.ts: the host-name rules
 *   should move down to hosting/ beside database-name.ts.
 * - git/repositories.ts reads the embedded default's server layout from platform.ts: that layout
 *   (EMBEDDED_SERVERS, embeddedServerRoot) should move down to config/.
 */
const knownViolations = [
  { rule: 'nothing-imports-the-entry-points', from: '^src/git/repositories\\.ts$', to: '^src/platform\\.ts$' },
  { rule: 'foundation-stays-down', from: '^src/config/config\\.ts$', to: '^src/frontend/host-name\\.ts$' },
  { rule: 'services-do-not-reach-up', from: '^src/frontend/tls-domains\\.ts$', to: '^src/domains/served\\.ts$' },
];

/**
 * A rule, with its known violations let through edge by edge: the violating file is checked by a
 * copy of the rule that allows that one import and nothing more.
 */
function rule(r) {
  const known = knownViolations.filter((k) => k.rule === r.name);
  const pathNot = [r.from.pathNot ?? []].flat();
  return [
    { severity: 'error', ...r, from: { ...r.from, pathNot: [...pathNot, ...known.map((k) => k.from)] } },
    ...known.map((k) => ({
      severity: 'error',
      ...r,
      from: { path: k.from },
      to: { ...r.to, pathNot: [...[r.to.pathNot ?? []].flat(), k.to] },
    })),
  ];
}

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A circle of imports has no bottom: no part of it can be read, tested or moved alone.',
      from: { path: '^(src|web/src)/' },
      to: { circular: true },
    },
    {
      name: 'nothing-imports-the-entry-points',
      comment:
        'main.ts, platform.ts, cli/, demo/ and web/ assemble the platform; what they assemble does not reach back (demo/prng.ts is a pure seeded PRNG the demo log writer shares).',
      from: { path: '^src/', pathNot: entry },
      to: { path: entry, pathNot: '^src/demo/prng\\.ts$' },
    },
    {
      name: 'api-from-entry-only',
      comment: 'Only the entry points mount the HTTP API.',
      from: { path: '^src/', pathNot: [entry, api] },
      to: { path: api },
    },
    {
      name: 'operations-from-api-and-entry-only',
      comment: 'Jobs, services and the foundation serve operations; they never call one (api → operations → jobs).',
      from: { path: [jobTier, foundation] },
      to: { path: operations },
    },
    {
      name: 'foundation-stays-down',
      comment:
        'config, metabase, tenant, hosting, policy and lifecycle are what everything stands on: they import none of the layers above.',
      from: { path: foundation },
      to: { path: [entry, api, operations, jobTier], pathNot: foundation },
    },
    {
      name: 'the-runner-is-jobs-own',
      comment:
        'Whoever queues a job names its definition (enqueueJob(tx, duplicateJob, payload)); the list of kinds and schedules and the runner that reads it belong to the worker, so no kind reaches back to the list (the old jobs/ circle). The API, above every kind, also reads the list for the kinds\' words (GET /api/job-kinds).',
      from: { path: '^src/', pathNot: ['^src/jobs/', '^src/platform\\.ts$', '^src/api/routes/jobs\\.ts$'] },
      to: { path: runner },
    },
    {
      name: 'provisioning-below-jobs',
      comment: 'Provisioning is the one way to make a database: jobs use it; it never queues or runs one.',
      from: { path: '^src/provisioning/' },
      to: { path: '^src/jobs/' },
    },
    {
      name: 'services-do-not-reach-up',
      comment:
        'The front end (nginx) is below the services that rewrite it: domains/ (certificates), mail/, upgrades/, dumps/ call it, never the reverse.',
      from: { path: '^src/frontend/' },
      to: { path: '^src/(domains|mail|upgrades|dumps)/' },
    },
    {
      name: 'upgrade-platform-is-its-own-service',
      comment:
        'The upgrade platform runs as its own process with its own cluster. It shares only the PostgreSQL tooling (hosting/: clusters, restore, backups), the Odoo schema readers it needs (tenant/), the customer-SQL loader and the scratch namespace (provisioning/), the error classes, the config parser and the logger; never the metabase, the policy, operations, jobs or the API.',
      from: { path: '^src/upgrade-platform/' },
      to: {
        path: '^src/',
        pathNot: [
          '^src/upgrade-platform/',
          '^src/hosting/',
          '^src/tenant/(filestore|modules|config-parameters)\\.ts$',
          '^src/provisioning/(customer-sql|scratch)\\.ts$',
          '^src/errors\\.ts$',
          '^src/config/config\\.ts$',
          // The log format both processes share (a terminal shows one kind of line).
          '^src/observability/logger\\.ts$',
        ],
      },
    },
    {
      name: 'upgrade-platform-from-entry-only',
      comment: 'The console talks to the upgrade platform over HTTP (upgrades/); only the entry points start it in-process.',
      from: { path: '^src/', pathNot: [entry, '^src/upgrade-platform/'] },
      to: { path: '^src/upgrade-platform/' },
    },
    {
      name: 'web-sees-types-only',
      comment:
        'The browser bundle holds no server code: web/src takes only types from src/, and the one API client (src/client/), which is plain code that itself takes only types.',
      from: { path: '^web/src/' },
      to: { path: '^src/', pathNot: '^src/client/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'web-types-through-one-door',
      comment:
        'web/src/types.ts names all the browser reads of the server, so an API type change shows in one place; web/src/api.ts is the one door of the client.',
      from: { path: '^web/src/', pathNot: ['^web/src/types\\.ts$', '^web/src/api\\.ts$'] },
      to: { path: '^src/' },
    },
    {
      name: 'the-client-is-browser-code',
      comment:
        'src/client/ is bundled into the browser as well as run by the CLI and the tests: it takes only types from the rest of src/ (the contract) and nothing of Node.',
      from: { path: '^src/client/' },
      to: { path: '^src/', pathNot: '^src/client/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'the-client-needs-no-node',
      comment: 'The browser has no Node modules: the client speaks through fetch, handed in by its caller.',
      from: { path: '^src/client/' },
      to: { dependencyTypes: ['core'] },
    },
  ].flatMap(rule),
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(web/dist|var)/' },
    // Type-only imports count: a type import still ties the two layers' code together.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
