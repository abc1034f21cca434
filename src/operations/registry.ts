import type { Operation } from './define.js';
import { operations } from './index.js';

const byName = new Map<string, Operation>(operations.map((op) => [op.name, op as unknown as Operation]));

export function findOperation(name: string): Operation | undefined {
  return byName.get(name);
}

export function allOperations(): Operation[] {
  return [...byName.values()];
}
