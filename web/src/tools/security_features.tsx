import { OperationForm } from '../components/OperationForm.js';
import { defineToolSection } from './define.js';
import type { SecurityFeaturesModel } from '../types.js';

type Model = SecurityFeaturesModel;

export const securityFeaturesSection = defineToolSection<Model>({
  key: 'security_features',
  title: 'Security Features',
  Component: ({ model }) => (
    <>
      <p className="explain">
        When on, the database’s front end tells browsers to use HTTPS only (HSTS) and marks the session cookie Secure
        and SameSite=Lax, so it is never sent over plain HTTP nor with requests from other sites. Turn it on when a
        customer’s security review asks for it; a customer whose site must still answer over plain HTTP needs it off.
      </p>
      <dl className="facts">
        <dt>Security features</dt>
        <dd>{model.secure ? 'on' : 'off'}</dd>
        <dt>Strict-Transport-Security</dt>
        <dd className="mono small">{model.hsts ?? 'not sent'}</dd>
        <dt>Session cookie</dt>
        <dd>{model.sessionCookie}</dd>
        <dt>Front-end file</dt>
        <dd className="mono small">
          {model.configFile}
          {!model.configured && <span className="muted"> (not generated yet)</span>}
        </dd>
      </dl>
      <OperationForm
        operation="set-security"
        fixed={{ enabled: !model.secure }}
        submitLabel={model.secure ? 'Turn security features off' : 'Turn security features on'}
      />
    </>
  ),
});
