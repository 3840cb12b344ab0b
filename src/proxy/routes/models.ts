// GET /v1/models and /models: the model groups in OpenAI's list format.
import type { FastifyInstance } from 'fastify';
import type { Router } from '../../router/router.js';

export function registerModelRoutes(app: FastifyInstance, router: Router, createdSeconds: number): void {
  const list = () => ({
    object: 'list',
    data: router.modelGroups().map((id) => ({
      id,
      object: 'model',
      created: createdSeconds,
      owned_by: 'imagegate',
    })),
  });
  app.get('/v1/models', async () => list());
  app.get('/models', async () => list());
}
