import { OperationForm } from '../components/OperationForm.js';
import { defineToolSection } from './define.js';
import { TenantText } from '../components/TenantText.js';
import type { LockModel } from '../types.js';

type Model = LockModel;

export const lockSection = defineToolSection<Model>({
  key: 'lock',
  title: 'Maintenance Lock',
  Component: ({ model }) => (
    <>
      <p className="explain">
        A maintenance lock freezes the database while someone works on it (a migration, an incident being
        investigated): every change, by an agent or by a platform job, is refused until it is unlocked, and
        the page shows the Database Locked banner with the reason. Unlocking puts the previous status back.
        Say in the reason who locked it and why, so a colleague knows whom to ask.
      </p>
      <dl className="facts">
        <dt>Status</dt>
        <dd className="mono">
          <TenantText value={model.status} />
        </dd>
        {model.locked && (
          <>
            <dt>Reason</dt>
            <dd>
              <TenantText value={model.reason} sentence />
            </dd>
          </>
        )}
      </dl>
      {model.locked ? (
        <OperationForm operation="unlock" submitLabel="Unlock" />
      ) : (
        <OperationForm operation="lock" submitLabel="Lock" fields={{ reason: { label: 'Reason' } }} />
      )}
    </>
  ),
});
