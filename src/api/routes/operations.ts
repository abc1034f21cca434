import { z } from 'zod';
import { executeOperation } from '../../operations/execute.js';
import { allOperations } from '../../operations/registry.js';
import type { Policy } from '../../policy/policy.js';
import { operationAnswer, type queuedJobAnswer } from '../answers.js';
import { defineRoute } from '../route.js';

const operationInfo = z.object({
  name: z.string(),
  access: z.string(),
  title: z.string(),
  summary: z.string(),
  needsValidation: z.boolean(),
  allowedWhenLocked: z.boolean(),
  readOnly: z.boolean(),
  destructive: z.boolean(),
  /** The operation's input as JSON Schema, from which the console builds its form. */
  input: z.record(z.string(), z.unknown()),
});

const levelLimits = z.object({
  trialDays: z.number(),
  emailLimit: z.number(),
  duplicateLimit: z.number().nullable(),
  duplicateExtensionDays: z.number(),
});

const policyAnswerSchema = z.object({
  levels: z.array(z.object({ value: z.number().int(), name: z.string() })),
  accessMap: z.record(z.string(), z.number()),
  /** Keyed by level: JSON object keys are strings ("2", "3"...). */
  limits: z.record(z.string(), levelLimits),
  mine: z.object({ level: z.number().int(), name: z.string(), limits: levelLimits }),
});

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
    responses: { 200: operationAnswer },
    async handler({ app, agent, params, body, request }) {
      const result = await executeOperation(app, {
        agent,
        database: params.name,
        operation: params.operation,
        input: body ?? {},
        requestId: request.id,
      });
      // An operation's run answers what it made (unknown here): a queued job is its `{job}`; the
      // answer's schema checks it on the way out.
      return result && typeof result === 'object' && 'job' in result ? (result as z.output<typeof queuedJobAnswer>) : { result };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/operations',
    summary: 'Every registered operation with its access key and input schema',
    tag: 'operations',
    auth: 'agent',
    responses: { 200: z.object({ operations: z.array(operationInfo) }) },
    handler: async () => ({ operations: operationCatalog() }),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/policy',
    summary: 'Levels, the access map and the per-level limits (what each level allows)',
    tag: 'operations',
    auth: 'agent',
    responses: { 200: policyAnswerSchema },
    handler: async ({ app, agent }) => policyAnswer(app.policy, agent.level),
  }),
];
