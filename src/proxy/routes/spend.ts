// GET /spend: the USD spend of successful generations since the proxy started, in total, by model group and by deployment.
import type { FastifyInstance } from 'fastify';
import type { SpendLedger } from '../spend-ledger.js';

export function registerSpendRoutes(app: FastifyInstance, ledger: SpendLedger): void {
  app.get('/spend', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return ledger.report();
  });
}
