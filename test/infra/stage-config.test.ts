import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { defaultStageConfig, rawIngestCidrs, readStageConfig, StageConfigError } from '#infra/stage-config.js';

const shipped = (JSON.parse(readFileSync(resolve(import.meta.dirname, '../../cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;

const read = (context: Record<string, unknown>) => readStageConfig(new App({ context }).node);

function codeOf(fn: () => unknown): { code: string; key: string } | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(StageConfigError);
    return { code: (err as StageConfigError).code, key: (err as StageConfigError).key };
  }
}

describe('readStageConfig', () => {
  it('uses the defaults when the context is empty', () => {
    expect(read({})).toEqual(defaultStageConfig);
  });

  it('accepts -c strings and cdk.json values alike', () => {
    const fromCli = read({
      stage: 'prod',
      desiredTasks: '2',
      minTasks: '2',
      maxTasks: '8',
      exposeToken: 'true',
      publisherCidrs: '203.0.113.0/24, 198.51.100.0/24',
      drainSeconds: '60',
    });
    const fromJson = read({
      stage: 'prod',
      desiredTasks: 2,
      minTasks: 2,
      maxTasks: 8,
      exposeToken: true,
      publisherCidrs: ['203.0.113.0/24', '198.51.100.0/24'],
      drainSeconds: 60,
    });
    expect(fromCli).toEqual(fromJson);
    expect(fromCli).toMatchObject({ stage: 'prod', minTasks: 2, maxTasks: 8, exposeToken: true, drainSeconds: 60 });
  });

  it("reads cdk.json's context as shipped, and with the production flags of docs/deploy-aws.md on top", () => {
    expect(read(shipped)).toMatchObject({ stage: 'dev', minTasks: 1, desiredTasks: 1, maxTasks: 4, rawAllowFrom: [], natGateways: 1 });
    // -c minTasks=2 -c maxTasks=8 over cdk.json: desiredTasks follows the minimum (cdk.json pins none).
    expect(read({ ...shipped, minTasks: '2', maxTasks: '8' })).toMatchObject({ minTasks: 2, desiredTasks: 2, maxTasks: 8 });
  });

  it('opens raw FLV/TS only for sources other than loopback', () => {
    expect(rawIngestCidrs(read({}))).toEqual([]);
    expect(rawIngestCidrs(read({ rawAllowFrom: '127.0.0.1/32' }))).toEqual([]);
    expect(rawIngestCidrs(read({ rawAllowFrom: '127.0.0.1/32,192.0.2.0/28' }))).toEqual(['192.0.2.0/28']);
  });

  it('reads the alarm topic, NAT gateway count and auth alarm threshold', () => {
    expect(read({ alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops', natGateways: '2', authFailureAlarmThreshold: '10' })).toMatchObject({
      alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops',
      natGateways: 2,
      authFailureAlarmThreshold: 10,
    });
  });

  it('sizes the ingest task from ingestCpu and ingestMemoryMiB, the smallest memory Fargate allows for the CPU when none is given', () => {
    expect(read({})).toMatchObject({ ingestCpu: 512, ingestMemoryMiB: 1024, playersPerTask: 400 });
    expect(read({ ingestCpu: '2048' })).toMatchObject({ ingestCpu: 2048, ingestMemoryMiB: 4096 });
    expect(read({ ingestCpu: 1024, ingestMemoryMiB: 8192, playersPerTask: '1500' })).toMatchObject({ ingestCpu: 1024, ingestMemoryMiB: 8192, playersPerTask: 1500 });
    expect(read({ ingestCpu: '256', ingestMemoryMiB: '2048' })).toMatchObject({ ingestCpu: 256, ingestMemoryMiB: 2048 });
  });

  it('names the sizes Fargate allows when a task size is not one of them', () => {
    expect(() => read({ ingestCpu: 768 })).toThrow('768 is not a Fargate CPU size (256, 512, 1024, 2048, 4096)');
    expect(() => read({ ingestCpu: 512, ingestMemoryMiB: 1536 })).toThrow('1536 is not a size Fargate runs with ingestCpu 512 (1024 to 4096 in steps of 1024)');
    expect(() => read({ ingestCpu: 256, ingestMemoryMiB: 4096 })).toThrow('(512, 1024, 2048)');
  });

  it('raises the desired count to the minimum when only the minimum is given', () => {
    expect(read({ minTasks: 3, maxTasks: 5 })).toMatchObject({ minTasks: 3, desiredTasks: 3, maxTasks: 5 });
  });

  it('treats an empty certificateArn as no TLS listener', () => {
    expect(read({ certificateArn: '' }).certificateArn).toBeUndefined();
  });

  it.each([
    ['stage', { stage: 'Prod_1' }],
    ['stage', { stage: 'a-very-long-stage' }],
    ['minTasks', { minTasks: 5, maxTasks: 2 }],
    ['desiredTasks', { desiredTasks: 9, maxTasks: 4 }],
    ['maxTasks', { maxTasks: '1.5' }],
    ['certificateArn', { certificateArn: 'not-an-arn' }],
    ['publisherCidrs', { publisherCidrs: '10.0.0.0/33' }],
    ['publisherCidrs', { publisherCidrs: '300.1.1.1/32' }],
    ['publisherCidrs', { publisherCidrs: [] }],
    ['publisherCidrs', { publisherCidrs: Array.from({ length: 9 }, (_, i) => `10.0.${i}.0/24`) }],
    ['rawAllowFrom', { rawAllowFrom: 'everyone' }],
    ['exposeToken', { exposeToken: 'yes' }],
    ['drainSeconds', { drainSeconds: 300 }],
    ['ingestArch', { ingestArch: 'mips' }],
    ['aclAuth', { aclAuth: 'none' }],
    ['natGateways', { natGateways: '0' }],
    ['natGateways', { natGateways: 3 }],
    ['alarmTopicArn', { alarmTopicArn: 'ops-topic' }],
    ['authFailureAlarmThreshold', { authFailureAlarmThreshold: '0' }],
    ['ingestCpu', { ingestCpu: '1000' }],
    ['ingestCpu', { ingestCpu: 8192 }],
    ['ingestMemoryMiB', { ingestCpu: 1024, ingestMemoryMiB: 1024 }],
    ['ingestMemoryMiB', { ingestMemoryMiB: '1.5' }],
    ['playersPerTask', { playersPerTask: '0' }],
  ])('rejects a bad %s with STAGE_CONFIG_INVALID naming the key', (key, context) => {
    expect(codeOf(() => read(context))).toEqual({ code: 'STAGE_CONFIG_INVALID', key });
  });
});
