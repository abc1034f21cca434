import { access } from 'node:fs/promises';
import path from 'node:path';

/** Whether a folder is an Odoo source tree: its `odoo-bin` is there. */
export async function isOdooTree(folder: string): Promise<boolean> {
  return access(path.join(folder, 'odoo-bin')).then(
    () => true,
    () => false,
  );
}

/**
 * The addons path of an Odoo tree run as `--addons-path=addons`: Odoo searches the configured
 * folders first and its own `odoo/addons` (base) last (odoo/modules/module.py initialize_sys_path).
 */
export function treeAddonsPaths(tree: string): string[] {
  return [path.join(tree, 'addons'), path.join(tree, 'odoo', 'addons')];
}
