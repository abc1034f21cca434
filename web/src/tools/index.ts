import type { ToolSection } from './define.js';
import { adminRightsSection } from './admin_rights.js';
import { companyUsersSection } from './company_users.js';
import { dumpSection } from './dump.js';
import { dropSection } from './drop.js';
import { duplicateSection } from './duplicate.js';
import { duplicateLimitSection } from './duplicate_limit.js';
import { emailLimitSection } from './email_limit.js';
import { expireDateSection } from './expire_date.js';
import { iapAccountsSection } from './iap_accounts.js';
import { impersonationSection } from './impersonation.js';
import { lockSection } from './lock.js';
import { moveSection } from './move.js';
import { rollingReleaseSection, upgradeHistorySection, upgradeRequestSection } from './migration.js';
import { oauthAdminSection } from './oauth_admin.js';
import { pingSection } from './ping.js';
import { restoreSection } from './restore.js';
import { customDomainSection } from './custom_domain.js';
import { securityFeaturesSection } from './security_features.js';
import { supportLogsSection } from './support_logs.js';
import { technicalLogsSection, techLogsSection } from './tech_logs.js';
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
  impersonationSection,
  // Two half-width cards side by side, then the wide ones.
  adminRightsSection,
  securityFeaturesSection,
  oauthAdminSection,
  pingSection,
  companyUsersSection,
  iapAccountsSection,
  dumpSection,
  restoreSection,
  // Later tools go here, before the history.
  customDomainSection,
  upgradeRequestSection,
  rollingReleaseSection,
  upgradeHistorySection,
  duplicateSection,
  dropSection,
  lockSection,
  moveSection,
  technicalLogsSection,
  supportLogsSection,
  techLogsSection,
];
