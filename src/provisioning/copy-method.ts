export type CopyMethod = 'template' | 'dump';

/**
 * How a duplicate copies its source: small ones with `CREATE DATABASE … TEMPLATE` (the source
 * refuses new sessions meanwhile), larger ones online with dump/restore.
 */
export function chooseCopyMethod(sizeBytes: number, templateMaxBytes: number): CopyMethod {
  return sizeBytes <= templateMaxBytes ? 'template' : 'dump';
}
