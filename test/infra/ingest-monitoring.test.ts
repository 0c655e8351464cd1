import { describe, expect, it } from 'vitest';
import { INGEST_METRICS } from '#infra/constructs/ingest-monitoring.js';
import { EMF_DIMENSION, EMF_METRICS, EMF_NAMESPACE } from '#ingest/metrics/emf-snapshot.js';
import { resourcesOf, synthIngest } from './synth-helpers.js';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:streamgate-ops';

describe('ingest monitoring', () => {
  const { template } = synthIngest({ maxTasks: '4', authFailureAlarmThreshold: '25' });
  const alarms = resourcesOf(template, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
  const byDescription = (word: string) => alarms.find((a) => String(a.AlarmDescription).includes(word))!;

  it('reads the metric names the ingest writes (namespace, dimension, names)', () => {
    expect(INGEST_METRICS.namespace).toBe(EMF_NAMESPACE);
    expect(INGEST_METRICS.dimension).toBe(EMF_DIMENSION);
    expect([...INGEST_METRICS.names]).toEqual(Object.keys(EMF_METRICS));
  });

  it('alarms on unhealthy targets, auth failures, task restarts and a stalled event loop', () => {
    expect(alarms).toHaveLength(4);
    expect(byDescription('/healthz')).toMatchObject({ Namespace: 'AWS/NetworkELB', MetricName: 'UnHealthyHostCount', Threshold: 1, EvaluationPeriods: 3 });
    const auth = byDescription('denied');
    expect(auth.Threshold).toBe(25);
    const expr = (auth.Metrics as { Id: string; Expression?: string; MetricStat?: { Metric: { MetricName: string; Dimensions: unknown } } }[]);
    expect(expr.find((m) => m.Expression)?.Expression).toBe('denied + errors');
    expect(expr.filter((m) => m.MetricStat).map((m) => m.MetricStat!.Metric.MetricName).sort()).toEqual(['AuthDenied', 'AuthErrors']);
    expect(expr.find((m) => m.MetricStat)!.MetricStat!.Metric.Dimensions).toEqual([{ Name: 'Service', Value: 'streamgate-dev-ingest' }]);
    // More starts than a scale-out from 0 to maxTasks within 15 minutes.
    expect(byDescription('crashing')).toMatchObject({ Namespace: 'streamgate', MetricName: 'TaskStarts', Threshold: 5, Period: 900 });
    expect(byDescription('event loop')).toMatchObject({ MetricName: 'EventLoopDelayMax', Statistic: 'Maximum', Threshold: 1000 });
    for (const a of alarms) expect(a.AlarmActions).toBeUndefined();
  });

  it('sends every alarm to the SNS topic from context', () => {
    const withTopic = resourcesOf(synthIngest({ alarmTopicArn: TOPIC }).template, 'AWS::CloudWatch::Alarm');
    expect(withTopic).toHaveLength(4);
    for (const [, a] of withTopic) expect(a.Properties.AlarmActions).toEqual([TOPIC]);
  });

  it('draws a dashboard of streams, players, bytes, auth decisions, event-loop delay, NLB and task metrics', () => {
    const [, dashboard] = resourcesOf(template, 'AWS::CloudWatch::Dashboard')[0];
    expect(dashboard.Properties.DashboardName).toBe('streamgate-dev-ingest');
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const name of ['LiveStreams', 'Players', 'BytesSent', 'BytesReceived', 'AuthDenied', 'AuthErrors', 'EventLoopDelayP99', 'UnHealthyHostCount', 'ActiveFlowCount', 'CPUUtilization']) {
      expect(body, name).toContain(name);
    }
  });
});
