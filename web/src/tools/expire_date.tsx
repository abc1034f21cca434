import { OperationForm } from '../components/OperationForm.js';
import { formatDate, formatDateTime, relative, todayUtc } from '../format.js';
import { defineToolSection } from './define.js';
import type { ExpireDateModel } from '../types.js';

type Model = ExpireDateModel;

export const expireDateSection = defineToolSection<Model>({
  key: 'expire_date',
  title: 'Trial Expiration',
  Component: ({ model }) => (
    <>
      <p className="explain">
        A trial with extra apps stops on its expiration date. Give a prospect more time to evaluate by moving that
        date; your level may move it up to {model.limitDays} days from today. Past that, a colleague with a higher
        level decides.
      </p>
      <dl className="facts">
        <dt>Expires</dt>
        <dd>
          {formatDateTime(model.expireDate)}
          {model.expireDate && <span className="muted"> · {relative(model.expireDate)}</span>}
        </dd>
        <dt>Latest date your level allows</dt>
        <dd>{formatDate(model.limit)}</dd>
      </dl>
      <OperationForm
        operation="extend-trial"
        fields={{ until: { label: 'New expiration date', min: todayUtc(), max: model.limit, hint: `Up to ${model.limit}` } }}
      />
    </>
  ),
});
