import { extendTrial } from './extend-trial.js';
import { setDuplicateLimit } from './set-duplicate-limit.js';
import { setEmailLimit } from './set-email-limit.js';
import { setFree } from './set-free.js';
import { setTrial } from './set-trial.js';
import { backupNow } from './backup-now.js';
import { restoreBackup } from './restore-backup.js';
import { prepareDump } from './prepare-dump.js';

/** The registry list: adding a tool is adding its file and one line here. */
export const operations = [extendTrial, setFree, setTrial, setEmailLimit, setDuplicateLimit, backupNow, restoreBackup, prepareDump];
