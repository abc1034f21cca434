import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

// Prometheus metrics, here rather than in api/: the HTTP server and the operation runner both record them.

export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'dbtools_' });

export const requestDuration = new Histogram({
  name: 'dbtools_http_request_duration_seconds',
  help: 'HTTP request latency',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});

export const operationsCounter = new Counter({
  name: 'dbtools_operations_total',
  help: 'Support operations by name and outcome',
  labelNames: ['operation', 'outcome'] as const,
  registers: [metricsRegistry],
});
