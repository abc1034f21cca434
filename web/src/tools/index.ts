import type { ToolSection } from './define.js';
import { duplicateLimitSection } from './duplicate_limit.js';
import { emailLimitSection } from './email_limit.js';
import { expireDateSection } from './expire_date.js';
import { supportLogsSection } from './support_logs.js';
import { techLogsSection } from './tech_logs.js';
import { toggleFreeSection } from './toggle_free.js';

/**
 * The Tools page's sections in the order agents know them, keyed by access key. A section
 * shows when the page model has that key; a key without a section here is skipped. Adding a
 * tool's section: one file in this folder and one line here.
 */
export const toolSections: ToolSection[] = [
  expireDateSection,
  toggleFreeSection,
  emailLimitSection,
  duplicateLimitSection,
  // Later tools go here, before the history.
  supportLogsSection,
  techLogsSection,
];
