import fp from 'fastify-plugin';
import type { FastifyBaseLogger } from 'fastify';

export const METRICS_NAMESPACE = 'HomeAgent';

/** The metric names the CloudWatch alarms (terraform/) refer to. */
export type MetricName = 'TimeToFirstTokenMs' | 'BedrockThrottles' | 'AgentErrors' | 'DailySpendUsd' | 'SendsShed';

const UNITS: Record<MetricName, string> = {
  TimeToFirstTokenMs: 'Milliseconds',
  BedrockThrottles: 'Count',
  AgentErrors: 'Count',
  DailySpendUsd: 'None',
  SendsShed: 'Count',
};

/**
 * Writes CloudWatch Embedded Metric Format lines through the logger: one JSON
 * line with `_aws` and the values at the top level. CloudWatch Logs turns
 * them into metrics, so no agent or API call is needed.
 */
export class Metrics {
  constructor(private readonly log: FastifyBaseLogger) {}

  put(name: MetricName, value: number): void {
    this.log.info(
      {
        _aws: {
          Timestamp: Date.now(),
          CloudWatchMetrics: [
            { Namespace: METRICS_NAMESPACE, Dimensions: [['Service']], Metrics: [{ Name: name, Unit: UNITS[name] }] },
          ],
        },
        Service: 'agent',
        [name]: value,
      },
      'metric',
    );
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
  }
}

export default fp(
  async (app) => {
    app.decorate('metrics', new Metrics(app.log));
  },
  { name: 'metrics' },
);
