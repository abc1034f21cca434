/**
 * The platform's long jobs as an agent reads them: a name for each kind and words for each of
 * its steps (the `name`s of the steps in `src/jobs/*.ts`; test/unit/job-kinds.test.ts checks
 * that every step of every kind has its words here).
 */
export const JOB_KINDS: Record<string, { label: string; steps: Record<string, string> }> = {
  duplicate: {
    label: 'Duplicate',
    steps: {
      'copy-database': 'Copying the database',
      'copy-filestore': 'Linking the filestore',
      neutralize: 'Neutralizing the copy',
      activate: 'Making the copy available',
    },
  },
  drop: {
    label: 'Drop',
    steps: {
      'mark-drop-mode': 'Entering drop mode',
      'revoke-connect': 'Closing the customer’s access',
    },
  },
  remove: {
    label: 'Removal',
    steps: {
      'mark-removing': 'Marking the database as being removed',
      'remove-filestore': 'Removing the files',
      'drop-database': 'Removing the database',
      'mark-removed': 'Marking the database as removed',
    },
  },
  backup: {
    label: 'Backup',
    steps: { backup: 'Backing up the database and its files' },
  },
  certificate: {
    label: 'Certificate',
    steps: {
      'check-dns': 'Checking the domain’s DNS and CAA',
      order: 'Ordering the certificate',
      challenge: 'Proving the domain to the certificate authority',
      finalize: 'Getting the signed certificate',
      install: 'Deploying it on the front end',
      activate: 'Scheduling its renewal',
    },
  },
  'backup-all': {
    label: 'Automatic backups',
    steps: { backups: 'Backing up every database due' },
  },
  upgrade: {
    label: 'Upgrade',
    steps: {
      start: 'Starting (locking the database for a production upgrade)',
      dump: 'Dumping the database',
      create: 'Creating the request on the upgrade platform',
      upload: 'Uploading the dump',
      process: 'Asking the platform to upgrade it',
      upgrade: 'Being upgraded by the upgrade platform',
      download: 'Downloading the upgraded database',
      restore: 'Restoring it on a hosting server',
      publish: 'Publishing it (or swapping it in place)',
      finish: 'Finishing (unlock, e-mail)',
    },
  },
  'restore-backup': {
    label: 'Restore',
    steps: {
      'safety-backup': 'Taking a safety backup of the current state',
      'restore-database': 'Restoring the database',
      filestore: 'Restoring the files',
      'make-copy': 'Preparing the new database',
      swap: 'Swapping the restored database in',
      cleanup: 'Cleaning up',
    },
  },
  'prepare-dump': {
    label: 'Dump',
    steps: { 'build-zip': 'Building the zip', notify: 'Sending the e-mail' },
  },
  'import-dump': {
    label: 'Import',
    steps: { restore: 'Restoring the dump', publish: 'Publishing the new database' },
  },
  'move-database': {
    label: 'Move',
    steps: {
      'precopy-filestore': 'Copying the files (the database stays available)',
      lock: 'Locking the database',
      dump: 'Dumping the database',
      restore: 'Restoring it on the new server',
      'final-sync': 'Copying the files changed meanwhile',
      switch: 'Switching to the new server',
      unlock: 'Unlocking the database',
      'keep-source': 'Keeping the old copy read-only',
      cleanup: 'Cleaning up',
    },
  },
};

/** The name of a kind of job; an unknown kind shows as it is. */
export function jobKindText(kind: string): string {
  return JOB_KINDS[kind]?.label ?? kind;
}

/** A step in words; an unknown one shows its name, readable. */
export function jobStepText(kind: string | undefined, step: string): string {
  return (
    (kind ? JOB_KINDS[kind]?.steps[step] : undefined) ??
    step.charAt(0).toUpperCase() + step.slice(1).replace(/[-_]+/g, ' ')
  );
}
