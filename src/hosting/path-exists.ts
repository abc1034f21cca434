import { stat } from 'node:fs/promises';

/** Whether a file or folder is there (a dangling or unreadable path counts as absent). */
export async function pathExists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}
