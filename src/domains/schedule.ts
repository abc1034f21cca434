import { defineSchedule } from '../jobs/define.js';
import { runDomainSchedule } from './certificate-queue.js';

export const domainSchedule = defineSchedule({
  name: 'custom-domains',
  cron: '* * * * *',
  run: async (app) => {
    await runDomainSchedule(app);
  },
});
