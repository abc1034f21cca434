import { displayValue } from '../format.js';
import { defineToolSection } from './define.js';
import { TenantText } from '../components/TenantText.js';
import type { TechLogsModel } from '../types.js';

type Model = TechLogsModel;

export const techLogsSection = defineToolSection<Model>({
  key: 'tech_logs',
  title: 'Metabase Information',
  wide: true,
  Component: ({ model }) => (
    <div className="table-wrap">
      <table className="kv">
        <caption className="sr-only">Every field of the database’s metabase row</caption>
        <tbody>
          {Object.entries(model.metabase ?? {}).map(([k, v]) => (
            <tr key={k}>
              <th scope="row" className="mono">
                {k}
              </th>
              <td className="mono">
                <TenantText value={displayValue(v)} sentence />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  ),
});
