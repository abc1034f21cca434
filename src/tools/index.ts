import type { Tool } from './define.js';
import { supportLogsTool } from './history.js';
import { techLogsTool } from './tech-logs.js';
import { duplicateLimitTool, emailLimitTool } from './limits.js';
import { dropTool, duplicateTool, lockTool } from './lifecycle.js';
import { expireDateTool, toggleFreeTool } from './trial.js';
import { adminRightsTool, impersonationTool } from './impersonation.js';
import { restoreTool } from './restore.js';
import { customDomainTool } from './custom-domain.js';
import { dumpTool } from './dump.js';
import { moveTool } from './move.js';
import { migrationTool } from './migration.js';
import { companiesTool, iapAccountsTool, oauthAdminTool, pingTool, securityTool } from './tenant-ops.js';

/** The Tools page's sections, in the order agents know them. */
export const tools: Tool[] = [
  expireDateTool,
  toggleFreeTool,
  duplicateTool,
  dropTool,
  lockTool,
  emailLimitTool,
  duplicateLimitTool,
  impersonationTool,
  adminRightsTool,
  oauthAdminTool,
  securityTool,
  pingTool,
  companiesTool,
  iapAccountsTool,
  restoreTool,
  dumpTool,
  moveTool,
  customDomainTool,
  migrationTool,
  supportLogsTool,
  techLogsTool,
];
