import fc from 'fast-check';
import { fuzzProperties, prepareFuzzTarget } from '../../test/support/fuzz.js';
import { defineBenchCase } from '../context.js';

/** Cases in all (DBTOOLS_FUZZ_CASES), spread evenly over the properties: every route and operation. */
const CASES = Number(process.env.DBTOOLS_FUZZ_CASES) || 10_000;
/** The first few bad answers are printed, to start fixing from. */
const SHOWN = 10;

export default defineBenchCase({
  name: 'fuzz',
  description: `property-based fuzz of every route and operation (test/support/fuzz.ts), ${CASES.toLocaleString('en-US')}+ cases: count of 5xx and malformed answers (goal 0)`,
  async run(ctx) {
    await ctx.startWorker();
    const target = await prepareFuzzTarget(ctx.app, ctx.baseUrl, ctx.demoPassword);
    let answers = 0;
    let serverErrors = 0;
    let malformed = 0;
    const shown: string[] = [];
    // Counts instead of asserting: the run goes on past a bad answer, to count them all.
    const properties = fuzzProperties(target, (res, what, problem) => {
      answers++;
      if (res.status >= 500) serverErrors++;
      else if (problem) malformed++;
      if (problem && shown.length < SHOWN) shown.push(`${problem}: ${what.slice(0, 200)} → ${JSON.stringify(res.body)?.slice(0, 200)}`);
    });
    const perProperty = Math.ceil(CASES / properties.length);
    const started = performance.now();
    for (const p of properties) {
      // A precondition (fc.pre) skips a case without counting it: the answers counted are the cases run.
      await fc.check(p.property, { numRuns: perProperty, maxSkipsPerRun: 1000 });
    }
    const ms = performance.now() - started;
    for (const s of shown) process.stderr.write(`  fuzz: ${s}\n`);
    const note = `${answers.toLocaleString('en-US')} requests over ${properties.length} properties`;
    return [
      { subject: 'fuzz: 5xx answers (must be 0)', value: { rate: serverErrors, per: `× 5xx in ${answers} answers` }, note },
      { subject: 'fuzz: 4xx without {error} or with internals', value: { rate: malformed, per: `× in ${answers} answers` }, note },
      { subject: 'fuzz: requests per second', value: { rate: (answers / ms) * 1000, per: 'req/s' }, note: `${(ms / 1000).toFixed(1)} s` },
    ];
  },
});
