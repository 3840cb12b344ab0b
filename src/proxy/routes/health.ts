// Liveness and readiness, without auth: readiness turns 503 while the proxy drains for shutdown.
import type { FastifyInstance } from 'fastify';
import { version } from '../../version.js';

export interface HealthState {
  draining: boolean;
}

export function registerHealthRoutes(app: FastifyInstance, state: HealthState, modelGroups: number): void {
  app.get('/health/liveliness', async () => "I'm alive!");
  app.get('/health/readiness', async (_request, reply) => {
    if (state.draining) return reply.code(503).send({ status: 'shutting_down', version });
    return { status: 'healthy', version, model_groups: modelGroups };
  });
}
