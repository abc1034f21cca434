import { z } from 'zod';
import { executeOperation } from '../../operations/execute.js';
import { allOperations } from '../../operations/registry.js';
import type { Policy } from '../../policy/policy.js';
import { defineRoute } from '../route.js';

/** What the UI and the CLI need to build a form or a command for each operation. */
export function operationCatalog() {
  return allOperations().map((op) => ({
    name: op.name,
    access: op.access,
    title: op.title,
    summary: op.summary,
    needsValidation: !!op.needsValidation,
    allowedWhenLocked: !!op.allowedWhenLocked,
    readOnly: !!op.readOnly,
    destructive: !!op.destructive,
    input: z.toJSONSchema(op.input, {
      io: 'input',
      unrepresentable: 'any',
      // A date has no JSON Schema type of its own: say it is a date-time string so forms show a date picker.
      override: ({ zodSchema, jsonSchema }) => {
        if (zodSchema._zod.def.type === 'date') Object.assign(jsonSchema, { type: 'string', format: 'date-time' });
      },
    }),
  }));
}

/** `GET /api/policy`: what each level allows, and the caller's own level. */
export function policyAnswer(policy: Policy, level: number) {
  return {
    levels: policy.levels(),
    accessMap: policy.accessMap(),
    limits: policy.allLimits(),
    mine: { level, name: policy.levelName(level), limits: policy.limits(level) },
  };
}

export const operationRoutes = [
  defineRoute({
    method: 'POST',
    url: '/api/databases/:name/operations/:operation',
    summary: 'Run a support operation on a database',
    tag: 'operations',
    auth: 'agent',
    params: z.object({ name: z.string().min(1).max(200), operation: z.string().min(1).max(100) }),
    body: z.unknown(),
    async handler({ app, agent, params, body, request }) {
      const result = await executeOperation(app, {
        agent,
        database: params.name,
        operation: params.operation,
        input: body ?? {},
        requestId: request.id,
      });
      return result && typeof result === 'object' && 'job' in result ? result : { result };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/operations',
    summary: 'Every registered operation with its access key and input schema',
    tag: 'operations',
    auth: 'agent',
    handler: async () => ({ operations: operationCatalog() }),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/policy',
    summary: 'Levels, the access map and the per-level limits (what each level allows)',
    tag: 'operations',
    auth: 'agent',
    handler: async ({ app, agent }) => policyAnswer(app.policy, agent.level),
  }),
];
