// cdk-nag names a finding after the offending value as it appears in the template, with `Fn::GetAtt [X, Arn]`
// written `<X.Arn>`. Acknowledging one finding (not the whole rule) therefore needs the resource's logical id.
import { Stack, type CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

export function nagArnRef(resource: IConstruct): string {
  const cfn = resource.node.defaultChild as CfnElement;
  return `<${Stack.of(resource).resolve(cfn.logicalId)}.Arn>`;
}
