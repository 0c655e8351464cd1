import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { defaultStageConfig, readStageConfig, StageConfigError } from '../../infra/stage-config.js';

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
  ])('rejects a bad %s with STAGE_CONFIG_INVALID naming the key', (key, context) => {
    expect(codeOf(() => read(context))).toEqual({ code: 'STAGE_CONFIG_INVALID', key });
  });
});
