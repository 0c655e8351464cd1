import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { FargateService } from 'aws-cdk-lib/aws-ecs';
import type { NetworkLoadBalancer, NetworkTargetGroup } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/**
 * The ingest's EMF namespace, dimension and metric names: ingest/src/metrics/emf-snapshot.ts
 * writes them (infra imports no runtime code; test/infra pins the two lists together).
 */
export const INGEST_METRICS = {
  namespace: 'streamgate',
  dimension: 'Service',
  names: [
    'LiveStreams',
    'Players',
    'Connections',
    'BytesReceived',
    'BytesSent',
    'AuthAllowed',
    'AuthDenied',
    'AuthErrors',
    'FramesDropped',
    'EventLoopDelayP99',
    'EventLoopDelayMax',
    'TaskStarts',
  ],
} as const;

/** A metric name the ingest publishes. */
export type IngestMetricName = (typeof INGEST_METRICS.names)[number];

/** Props of {@link IngestMonitoring}. */
export interface IngestMonitoringProps {
  /** Value of the ingest's `Service` dimension (STREAMGATE_METRICS_SERVICE). */
  readonly serviceDimension: string;
  readonly dashboardName: string;
  readonly service: FargateService;
  readonly loadBalancer: NetworkLoadBalancer;
  /** Every target group shares the one health check; the alarm watches the first. */
  readonly targetGroups: readonly NetworkTargetGroup[];
  readonly maxTasks: number;
  readonly authFailureThreshold: number;
  /** SNS topic the alarms notify; none: the alarms only change state. */
  readonly alarmTopicArn?: string;
}

/**
 * What an operator looks at: one dashboard (streams, players, connections, bytes, auth decisions,
 * event-loop delay, NLB flows and target health, task CPU and memory) and the ingest's alarms,
 * each notifying the SNS topic from context:
 *
 * | alarm | fires when |
 * |---|---|
 * | UnhealthyTargets | a target fails the /healthz check for 3 minutes |
 * | AuthFailures | denied + failed auth decisions over 5 minutes reach the threshold |
 * | TaskRestarts | more ingest processes started in 15 minutes than a scale-out to maxTasks explains |
 * | EventLoopStalled | an ingest's event loop stalled ≥ 1 s (worst task, 3 of 5 minutes) |
 */
export class IngestMonitoring extends Construct {
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: IngestMonitoringProps) {
    super(scope, id);
    const m = (name: IngestMetricName, statistic: string, label?: string): Metric =>
      new Metric({
        namespace: INGEST_METRICS.namespace,
        metricName: name,
        dimensionsMap: { [INGEST_METRICS.dimension]: props.serviceDimension },
        statistic,
        period: Duration.minutes(1),
        ...(label === undefined ? {} : { label }),
      });
    // Each task writes one line a minute, so a 1-minute Sum of a gauge adds the tasks up.
    const tg = props.targetGroups[0];
    const health = [tg.metrics.healthyHostCount(), tg.metrics.unHealthyHostCount()];

    const authFailures = new MathExpression({
      expression: 'denied + errors',
      usingMetrics: { denied: m('AuthDenied', 'Sum').with({ period: Duration.minutes(5) }), errors: m('AuthErrors', 'Sum').with({ period: Duration.minutes(5) }) },
      period: Duration.minutes(5),
      label: 'denied + failed auth decisions',
    });
    const alarm = (alarmId: string, metric: IMetric, description: string, threshold: number, evaluationPeriods: number, datapointsToAlarm = evaluationPeriods) => {
      const a = new Alarm(this, alarmId, {
        metric,
        threshold,
        evaluationPeriods,
        datapointsToAlarm,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      this.alarms.push(a);
      return a;
    };
    alarm('UnhealthyTargets', tg.metrics.unHealthyHostCount({ statistic: 'Maximum', period: Duration.minutes(1) }), 'An ingest task fails its /healthz check (port 8079); ECS replaces it after the drain.', 1, 3);
    alarm('AuthFailures', authFailures, 'Many publish/play attempts were denied or the functions did not answer (fail closed): a credential-stuffing attempt, a rotated TEA secret, or the API down.', props.authFailureThreshold, 1);
    alarm(
      'TaskRestarts',
      m('TaskStarts', 'Sum').with({ period: Duration.minutes(15) }),
      'More ingest processes started than scaling to maxTasks explains: tasks are crashing or failing health checks.',
      props.maxTasks + 1,
      1,
    );
    alarm('EventLoopStalled', m('EventLoopDelayMax', 'Maximum'), 'An ingest event loop stalled for a second or more: media is late for every reader on that task.', 1000, 5, 3);
    if (props.alarmTopicArn !== undefined) {
      const topic = Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn);
      for (const a of this.alarms) a.addAlarmAction(new SnsAction(topic));
    }

    const graph = (title: string, left: IMetric[], right: IMetric[] = []) =>
      new GraphWidget({ title, left, right, width: 8, height: 6, period: Duration.minutes(1) });
    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: props.dashboardName });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `## streamgate ingest (${props.serviceDimension})\nMetrics come from the tasks' \`ingest.metrics\` log lines (CloudWatch embedded metric format, namespace \`${INGEST_METRICS.namespace}\`), one per task per minute. Alarms: ${this.alarms.map((a) => a.node.id).join(', ')}.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      graph('Live streams and players (all tasks)', [m('LiveStreams', 'Sum', 'live streams'), m('Players', 'Sum', 'players')], [m('Connections', 'Sum', 'connections')]),
      graph('Bytes per minute', [m('BytesReceived', 'Sum', 'received'), m('BytesSent', 'Sum', 'sent')]),
      graph('Auth decisions per minute', [m('AuthAllowed', 'Sum', 'allowed'), m('AuthDenied', 'Sum', 'denied'), m('AuthErrors', 'Sum', 'functions unreachable')]),
    );
    this.dashboard.addWidgets(
      graph('Event-loop delay, ms (worst task)', [m('EventLoopDelayP99', 'Maximum', 'p99'), m('EventLoopDelayMax', 'Maximum', 'max')]),
      graph('Frames dropped for slow readers', [m('FramesDropped', 'Sum', 'dropped')], [m('TaskStarts', 'Sum', 'process starts')]),
      graph('NLB: targets and flows', health, [props.loadBalancer.metrics.activeFlowCount({ label: 'active flows' }), props.loadBalancer.metrics.newFlowCount({ label: 'new flows' })]),
    );
    this.dashboard.addWidgets(
      graph('Tasks: CPU and memory %', [props.service.metricCpuUtilization(), props.service.metricMemoryUtilization()]),
    );
  }
}
