// GET /metrics: the proxy's Prometheus metrics in the text exposition format.
import type { FastifyInstance } from 'fastify';
import type { ProxyMetrics } from '../metrics.js';

export function registerMetricsRoutes(app: FastifyInstance, metrics: ProxyMetrics): void {
  app.get('/metrics', async (_request, reply) => {
    const text = await metrics.render();
    return reply.header('cache-control', 'no-store').type(metrics.contentType).send(text);
  });
}
