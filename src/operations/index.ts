import { drop } from './drop.js';
import { duplicate } from './duplicate.js';
import { extendDuplicate } from './extend-duplicate.js';
import { extendTrial } from './extend-trial.js';
import { lock, unlock } from './lock.js';
import { setDuplicateLimit } from './set-duplicate-limit.js';
import { setEmailLimit } from './set-email-limit.js';
import { setFree } from './set-free.js';
import { setTrial } from './set-trial.js';
import { undrop } from './undrop.js';

/** The registry list: adding a tool is adding its file and one line here. */
export const operations = [
  extendTrial,
  setFree,
  setTrial,
  setEmailLimit,
  setDuplicateLimit,
  duplicate,
  extendDuplicate,
  drop,
  undrop,
  lock,
  unlock,
];
