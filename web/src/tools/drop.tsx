import { OperationForm } from '../components/OperationForm.js';
import { formatDateTime } from '../format.js';
import { useToolsPage } from './context.js';
import { defineToolSection } from './define.js';
import { Countdown } from './duplicate.js';
import { useSectionJob } from './page-job.js';
import { TenantText } from '../components/TenantText.js';
import type { DropModel } from '../types.js';

type Model = DropModel;

function Undrop({ model }: { model: Model }) {
  const { model: page } = useToolsPage();
  const duplicate = !!page.database.duplicate_of;
  if (!model.undrop.possible) {
    return (
      <p className="notice" id="undrop-refusal">
        It cannot be undropped: <TenantText value={model.undrop.reason} sentence />
        {['close', 'cancel'].includes(page.database.status)
          ? ' Once the subscription is re-opened, the change may take up to about 20 minutes to show here.'
          : ''}
      </p>
    );
  }
  return (
    <>
      {duplicate ? (
        <p className="explain">
          Undropping a duplicate gives it a new life of 4 hours; the customer can use it again.
        </p>
      ) : (
        <ul className="explain-list">
          <li>
            <strong>One-app free</strong> (tick the box): a single app at no cost, 3 months renewed on each
            connection.
          </li>
          <li>
            <strong>Otherwise</strong>: a 15-day trial with every app, then it expires unless the customer
            subscribes.
          </li>
        </ul>
      )}
      <OperationForm operation="undrop" submitLabel="Undrop" fixed={duplicate ? { free: false } : {}} />
    </>
  );
}

export const dropSection = defineToolSection<Model>({
  key: 'drop',
  title: 'Drop',
  // The platform's removal of a dropped database shows here too.
  jobKinds: ['drop', 'remove'],
  Component: ({ model }) => {
    const running = !!useSectionJob('drop')?.running;
    const dropped = model.mode === 'drop';
    return (
      <>
        <p className="explain">
          Dropping puts the database in drop mode: the customer can no longer connect, and the platform
          removes it for good on its removal date. Until then it can be undropped, with its data intact. A
          paid database must be unlinked from its subscription first. To make sure you act on the right
          database, type the validation number shown below.
        </p>
        {running ? (
          // Every change waits for the drop job, undropping too.
          <p className="hint">Dropping…</p>
        ) : dropped ? (
          <>
            <dl className="facts">
              <dt>Removal date</dt>
              <dd>
                {formatDateTime(model.removalDate)}{' '}
                <span className="muted">
                  · <Countdown iso={model.removalDate} expired="due now" />
                </span>
              </dd>
            </dl>
            <Undrop model={model} />
          </>
        ) : model.drop.possible ? (
          <OperationForm operation="drop" submitLabel="Drop" confirmLabel="Drop the database" />
        ) : (
          <p className="notice">
            <strong>Not possible.</strong> {model.drop.reason}
          </p>
        )}
      </>
    );
  },
});
