/**
 * CDK entry (cdk.json: `npx tsx infra/app.ts`). Settings come from context, e.g.
 * `npx cdk deploy --all -c stage=prod -c minTasks=2 -c certificateArn=arn:aws:acm:…`.
 * cdk-nag's AwsSolutions and Serverless packs run at every synth: a finding without an
 * acknowledgement (with its reason, next to the resource) fails the synth.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { addStreamgateStacks } from './streamgate-app.js';

const app = new App();
addStreamgateStacks(app);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
app.synth();
