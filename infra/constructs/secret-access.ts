// Secret grants narrower than CDK's grantWrite (which adds UpdateSecret and version-stage changes): a writer may
// only store a new value, e.g. the CA generated at first start or a rotated CAPF certificate.
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';

export function grantSecretAccess(secret: secretsmanager.ISecret, grantee: iam.IGrantable, mode: 'read' | 'readWrite'): void {
  secret.grantRead(grantee);
  if (mode === 'readWrite') {
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['secretsmanager:PutSecretValue'], resources: [secret.secretArn] }));
  }
}
