import { OperationForm } from '../components/OperationForm.js';
import { defineToolSection } from './define.js';
import type { ToggleFreeModel } from '../types.js';

type Model = ToggleFreeModel;

export const toggleFreeSection = defineToolSection<Model>({
  key: 'toggle_free',
  title: 'One-app Free',
  Component: ({ model }) => (
    <>
      <p className="explain">
        This database is on <strong>{model.label}</strong>.
      </p>
      <ul className="explain-list">
        <li>
          <strong>One-app free</strong>: a single app at no cost, for 3 months that are renewed each time the customer
          connects, so an active customer never reaches the end.
        </li>
        <li>
          <strong>Trial with extra apps</strong>: every app, for 15 days; then it expires unless the customer
          subscribes.
        </li>
      </ul>
      <p className="explain">
        Switching resets the expiration date to the new offer’s term. Offer one-app free to a customer who only needs
        one app; a trial to one who wants to try more.
      </p>
      {model.free ? <OperationForm operation="set-trial" /> : <OperationForm operation="set-free" />}
    </>
  ),
});
