import type { RecommendCliOptions } from '../../../src/cli/commands/recommend';

/** `mora recommend`'s defaults as the CLI parses them, on the demo source, quiet. */
export const RECOMMEND_DEFAULTS: RecommendCliOptions = {
  source: 'demo', format: 'table', qos: 'Burstable', cpuMargin: '0', memoryMargin: '0', historyDays: '14', strategy: 'mora', model: 'none', quiet: true,
  cpuStep: '5m', memoryStep: '1Mi', cpuMin: '10m', memoryMin: '32Mi',
};
