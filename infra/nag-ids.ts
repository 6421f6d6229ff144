// cdk-nag names a finding after the offending value as it appears in the template, with `Fn::GetAtt [X, Arn]`
// written `<X.Arn>`. Acknowledging one finding (not the whole rule) therefore needs the resource's logical id.
import { Stack, type CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

export function nagArnRef(resource: IConstruct): string {
  const cfn = resource.node.defaultChild as CfnElement;
  return `<${Stack.of(resource).resolve(cfn.logicalId)}.Arn>`;
}

/**
 * A value (an ARN built with `Stack.formatArn`, say) as cdk-nag writes it: literal parts as they are, `Ref`s to pseudo
 * parameters as `<AWS::AccountId>`. Which parts are literal depends on the stack's environment (a region given or
 * not), so the acknowledgement is computed from the value rather than written out.
 */
export function nagValue(scope: IConstruct, value: string): string {
  const resolved: unknown = Stack.of(scope).resolve(value);
  const part = (piece: unknown): string => {
    if (typeof piece === 'string') return piece;
    const ref = (piece as { Ref?: unknown }).Ref;
    if (typeof ref === 'string') return `<${ref}>`;
    const join = (piece as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    if (join) return join[1].map(part).join(join[0]);
    throw new Error(`nagValue: cannot name ${JSON.stringify(piece)} as cdk-nag does`);
  };
  return part(resolved);
}
