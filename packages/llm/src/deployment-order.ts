// The order a request tries deployments in.
import type { RouterDeployment } from './router-config.js';

/**
 * Lower `priority` first; within one priority, a weighted random order: each next deployment is
 * drawn with probability weight / (sum of the weights not drawn yet). `random` returns [0, 1)
 * (Math.random; injected for tests).
 */
export const orderDeployments = (deployments: readonly RouterDeployment[], random: () => number): RouterDeployment[] => {
  const priorities = [...new Set(deployments.map((deployment) => deployment.priority))].sort((left, right) => left - right);
  return priorities.flatMap((priority) => {
    const pool = deployments.filter((deployment) => deployment.priority === priority);
    const ordered: RouterDeployment[] = [];
    while (pool.length > 0) {
      const total = pool.reduce((sum, deployment) => sum + deployment.weight, 0);
      let point = random() * total;
      let index = pool.findIndex((deployment) => (point -= deployment.weight) < 0);
      if (index === -1) index = pool.length - 1; // rounding at the top end
      ordered.push(...pool.splice(index, 1));
    }
    return ordered;
  });
};
