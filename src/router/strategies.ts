// Picking one deployment of a group: weighted shuffle, least busy, or lowest latency.
import type { Deployment } from './deployment.js';
import type { DeploymentStats } from './deployment-stats.js';

export const ROUTING_STRATEGIES = ['simple-shuffle', 'least-busy', 'latency-based-routing'] as const;
export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];

function weightedPick(candidates: readonly Deployment[], random: () => number): Deployment {
  // LiteLLM's order: weight when any deployment sets it, else rpm, else uniform.
  const useWeight = candidates.some((d) => d.weight !== undefined);
  const useRpm = !useWeight && candidates.some((d) => d.rpm !== undefined);
  const weights = candidates.map((d) => (useWeight ? (d.weight ?? 1) : useRpm ? (d.rpm ?? 1) : 1));
  const total = weights.reduce((a, b) => a + b, 0);
  let ticket = random() * total;
  for (const [index, weight] of weights.entries()) {
    ticket -= weight;
    if (ticket < 0) return candidates[index]!;
  }
  return candidates[candidates.length - 1]!;
}

function lowestBy(candidates: readonly Deployment[], score: (d: Deployment) => number, random: () => number): Deployment {
  const best = Math.min(...candidates.map(score));
  const ties = candidates.filter((d) => score(d) === best);
  return ties[Math.floor(random() * ties.length)] ?? ties[0]!;
}

export function pickDeployment(
  strategy: RoutingStrategy,
  candidates: readonly Deployment[],
  stats: DeploymentStats,
  random: () => number,
): Deployment {
  if (candidates.length === 1) return candidates[0]!;
  if (strategy === 'least-busy') return lowestBy(candidates, (d) => stats.busy(d.id), random);
  if (strategy === 'latency-based-routing') {
    // Unmeasured deployments go first (latency 0), so every deployment gets measured.
    return lowestBy(candidates, (d) => stats.latency(d.id) ?? 0, random);
  }
  return weightedPick(candidates, random);
}
