import { OperationForm } from '../components/OperationForm.js';
import { defineToolSection } from './define.js';
import type { DuplicateLimitModel } from '../types.js';

type Model = DuplicateLimitModel;

export const duplicateLimitSection = defineToolSection<Model>({
  key: 'duplicate_limit',
  title: 'Duplicates Limit',
  Component: ({ model }) => (
    <>
      <p className="explain">
        Each test duplicate is a full copy of the customer’s database and files on the same server, so their number is
        capped to keep the server healthy. When a customer hits the cap, first suggest dropping their oldest
        duplicates; a duplicate already in drop mode weighs less than a live one. Raise the limit only when they
        really need more at once.
      </p>
      <dl className="facts">
        <dt>Current limit</dt>
        <dd>{model.current}</dd>
        <dt>Highest your level allows</dt>
        <dd>{model.limit ?? 'none (your level cannot change it)'}</dd>
      </dl>
      {model.limit !== null && (
        <OperationForm
          operation="set-duplicate-limit"
          fields={{ limit: { label: 'Duplicates', min: 0, max: model.limit, hint: `At most ${model.limit}` } }}
        />
      )}
    </>
  ),
});
