import type { Tool } from './define.js';
import { supportLogsTool, techLogsTool } from './history.js';
import { duplicateLimitTool, emailLimitTool } from './limits.js';
import { dropTool, duplicateTool, lockTool } from './lifecycle.js';
import { expireDateTool, toggleFreeTool } from './trial.js';

/** The Tools page's sections, in the order agents know them. */
export const tools: Tool[] = [
  expireDateTool,
  toggleFreeTool,
  duplicateTool,
  dropTool,
  emailLimitTool,
  duplicateLimitTool,
  lockTool,
  supportLogsTool,
  techLogsTool,
];
