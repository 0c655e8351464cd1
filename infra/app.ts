/**
 * CDK entry (cdk.json: `npx tsx infra/app.ts`). Settings come from context, e.g.
 * `npx cdk deploy --all -c stage=prod -c minTasks=2 -c certificateArn=arn:aws:acm:…`.
 */
import { App } from 'aws-cdk-lib';
import { addStreamgateStacks } from './streamgate-app.js';

const app = new App();
addStreamgateStacks(app);
app.synth();
