import { drop } from './drop.js';
import { duplicate } from './duplicate.js';
import { extendDuplicate } from './extend-duplicate.js';
import { extendTrial } from './extend-trial.js';
import { grantIapCredits } from './grant-iap-credits.js';
import { impersonate } from './impersonate.js';
import { linkAdmin } from './link-admin.js';
import { ping } from './ping.js';
import { resetAdminRights } from './reset-admin-rights.js';
import { setSecurity } from './set-security.js';
import { stopImpersonation } from './stop-impersonation.js';
import { unlinkAdmin } from './unlink-admin.js';
import { lock, unlock } from './lock.js';
import { setDuplicateLimit } from './set-duplicate-limit.js';
import { setEmailLimit } from './set-email-limit.js';
import { setFree } from './set-free.js';
import { setTrial } from './set-trial.js';
import { backupNow } from './backup-now.js';
import { restoreBackup } from './restore-backup.js';
import { prepareDump } from './prepare-dump.js';
import { undrop } from './undrop.js';
import { rotateLogPasswordOperation } from './rotate-log-password.js';
import { moveDatabase } from './move-database.js';
import { addDomain } from './add-domain.js';
import { removeDomain } from './remove-domain.js';
import { retryCertificate } from './retry-certificate.js';
import { diagnoseDomainOperation } from './diagnose-domain.js';
import { requestUpgrade } from './request-upgrade.js';
import { cancelUpgrade } from './cancel-upgrade.js';
import { clearRollingReleaseLock, setRollingReleaseLock } from './rolling-release-lock.js';

/** The registry list: adding a tool is adding its file and one line here. */
export const operations = [
  extendTrial,
  setFree,
  setTrial,
  setEmailLimit,
  setDuplicateLimit,
  impersonate,
  stopImpersonation,
  resetAdminRights,
  linkAdmin,
  unlinkAdmin,
  setSecurity,
  ping,
  grantIapCredits,
  backupNow,
  restoreBackup,
  prepareDump,
  duplicate,
  extendDuplicate,
  drop,
  undrop,
  lock,
  unlock,
  rotateLogPasswordOperation,
  moveDatabase,
  addDomain,
  removeDomain,
  retryCertificate,
  diagnoseDomainOperation,
  requestUpgrade,
  cancelUpgrade,
  setRollingReleaseLock,
  clearRollingReleaseLock,
];
