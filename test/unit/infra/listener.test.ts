// The listener path a phone takes: dual-stack NLB on TCP 3804, source-CIDR restriction, TLS passed through to
// Fargate tasks that run read-only and non-root, drain on stop and scale on open connections.
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionsOf, buildCapf, logicalIdOf, PHONE_CIDRS, policyStatementsOf } from './support.ts';
import { LISTENER_WRITABLE_ATTRIBUTES } from '../../../infra/constructs/table-access.ts';

let template: Template;
let cleanup: () => void;

beforeAll(() => {
  ({ template, cleanup } = buildCapf({ context: { desiredListenerCount: 3, maxListenerCount: 9, sessionDrainSeconds: 1200 } }));
});
afterAll(() => cleanup());

describe('network', () => {
  it('is a dual-stack VPC with public subnets and no NAT gateway', () => {
    template.hasResourceProperties('AWS::EC2::VPCCidrBlock', { AmazonProvidedIpv6CidrBlock: true });
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::Subnet', 2);
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'REJECT', LogDestinationType: 'cloud-watch-logs' });
  });
});

describe('network load balancer', () => {
  it('is internet-facing and dual-stack, with a security group', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Type: 'network',
      Scheme: 'internet-facing',
      IpAddressType: 'dualstack',
      SecurityGroups: Match.anyValue(),
    });
  });

  it('listens on TCP 3804 (TLS passes through) and forwards to the tasks on 3804', () => {
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
    const targetGroup = logicalIdOf(template, 'AWS::ElasticLoadBalancingV2::TargetGroup', 'Listener');
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 3804,
      Protocol: 'TCP',
      DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: targetGroup } }],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      TargetType: 'ip',
      Port: 3804,
      Protocol: 'TCP',
      HealthCheckProtocol: 'HTTP',
      HealthCheckPort: '8080',
      HealthCheckPath: '/health',
    });
    template.hasResourceProperties('AWS::ECS::Service', {
      LoadBalancers: [{ ContainerName: 'Listener', ContainerPort: 3804, TargetGroupArn: { Ref: targetGroup } }],
    });
  });

  it('puts a PROXY protocol v2 header before each connection, and the listener expects one', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 3804,
      TargetGroupAttributes: Match.arrayWith([{ Key: 'proxy_protocol_v2.enabled', Value: 'true' }]),
    });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Environment: Match.arrayWith([{ Name: 'CAPF_PROXY_PROTOCOL', Value: 'v2' }]) })],
    });
  });

  it("tells the listener the allowed phone ranges: its phone networks, with the larger per-address failure budget", () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Environment: Match.arrayWith([{ Name: 'CAPF_PHONE_NETWORKS', Value: PHONE_CIDRS.join(',') }]) })],
    });
  });

  it('accepts TLS 1.2 and up unless the deployment asks for TLS 1.0 (7900-series phones)', () => {
    const environment = (built: Template) => built.findResources('AWS::ECS::TaskDefinition');
    const minTls = (built: Template) =>
      (Object.values(environment(built))[0]?.Properties.ContainerDefinitions[0].Environment as Array<{ Name: string; Value: string }>).find((v) => v.Name === 'CAPF_MIN_TLS')?.Value;
    expect(minTls(template)).toBe('TLSv1.2');
    const legacy = buildCapf({ context: { minTls: 'TLSv1' } });
    try {
      expect(minTls(legacy.template)).toBe('TLSv1');
    } finally {
      legacy.cleanup();
    }
  });

  it('drains sessions for the configured time, then cuts them', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      TargetGroupAttributes: Match.arrayWith([
        { Key: 'deregistration_delay.timeout_seconds', Value: '1200' },
        { Key: 'deregistration_delay.connection_termination.enabled', Value: 'true' },
      ]),
    });
  });

  it('admits TCP 3804 from the allowed phone ranges only, IPv4 and IPv6', () => {
    const group = logicalIdOf(template, 'AWS::EC2::SecurityGroup', 'ListenerLoadBalancerSecurityGroup');
    const ingress = template.findResources('AWS::EC2::SecurityGroup')[group]?.Properties.SecurityGroupIngress;
    expect(ingress).toEqual([
      expect.objectContaining({ CidrIp: PHONE_CIDRS[0], FromPort: 3804, ToPort: 3804, IpProtocol: 'tcp' }),
      expect.objectContaining({ CidrIpv6: PHONE_CIDRS[1], FromPort: 3804, ToPort: 3804, IpProtocol: 'tcp' }),
    ]);
    const separateRules = template.findResources('AWS::EC2::SecurityGroupIngress', { Properties: { GroupId: { 'Fn::GetAtt': [group, 'GroupId'] } } });
    expect(Object.keys(separateRules)).toEqual([]);
  });

  it('lets only the load balancer reach the tasks, on 3804 and the health port', () => {
    const tasks = logicalIdOf(template, 'AWS::EC2::SecurityGroup', 'ListenerTaskSecurityGroup');
    const balancer = logicalIdOf(template, 'AWS::EC2::SecurityGroup', 'ListenerLoadBalancerSecurityGroup');
    const rules = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress', { Properties: { GroupId: { 'Fn::GetAtt': [tasks, 'GroupId'] } } }));
    expect(rules.map((rule) => [rule.Properties.FromPort, rule.Properties.SourceSecurityGroupId]).sort()).toEqual([
      [3804, { 'Fn::GetAtt': [balancer, 'GroupId'] }],
      [8080, { 'Fn::GetAtt': [balancer, 'GroupId'] }],
    ]);
    expect(template.findResources('AWS::EC2::SecurityGroup')[tasks]?.Properties.SecurityGroupIngress).toBeUndefined();
  });
});

describe('listener tasks', () => {
  it('run the listener image non-root on a read-only root filesystem, with a health check', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RequiresCompatibilities: ['FARGATE'],
      ContainerDefinitions: [
        Match.objectLike({
          Name: 'Listener',
          User: '1000:1000',
          ReadonlyRootFilesystem: true,
          PortMappings: [Match.objectLike({ ContainerPort: 3804, Protocol: 'tcp' }), Match.objectLike({ ContainerPort: 8080, Protocol: 'tcp' })],
          HealthCheck: Match.objectLike({ Command: Match.arrayWith([Match.stringLikeRegexp('127\\.0\\.0\\.1:8080/health')]) }),
          LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }),
        }),
      ],
    });
    // Nothing writes to disk any more (no tsx cache), so there is no scratch volume either.
    const [task] = Object.values(template.findResources('AWS::ECS::TaskDefinition'));
    expect(task?.Properties.Volumes).toBeUndefined();
    expect(task?.Properties.ContainerDefinitions[0].MountPoints).toBeUndefined();
  });

  it('read the authentication string key from a secret the deployment generates (never in the template)', () => {
    const authKey = logicalIdOf(template, 'AWS::SecretsManager::Secret', 'StorageAuthKeySecret');
    template.hasResource('AWS::SecretsManager::Secret', {
      Properties: { GenerateSecretString: Match.objectLike({ PasswordLength: 64, ExcludePunctuation: true }), SecretString: Match.absent() },
      DeletionPolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Environment: Match.arrayWith([{ Name: 'CAPF_AUTH_KEY_SECRET_ARN', Value: { Ref: authKey } }]) })],
    });
  });

  it('get the table, the TLS secret, the issuer kind and the sign function through environment variables', () => {
    const env = template.findResources('AWS::ECS::TaskDefinition');
    const container = Object.values(env)[0]?.Properties.ContainerDefinitions[0];
    const names = (container.Environment as { Name: string }[]).map((variable) => variable.Name).sort();
    expect(names).toEqual([
      'CAPF_AUTH_KEY_SECRET_ARN', 'CAPF_DRAIN_MS', 'CAPF_HEALTH_PORT', 'CAPF_ISSUER', 'CAPF_MAX_SESSIONS', 'CAPF_MIN_TLS', 'CAPF_PHONE_NETWORKS', 'CAPF_PORT', 'CAPF_PROXY_PROTOCOL', 'CAPF_SIGN_FUNCTION',
      'CAPF_TABLE', 'CAPF_TLS_SECRET_ARN',
    ]);
    expect(container.Environment).toContainEqual({ Name: 'CAPF_PORT', Value: '3804' });
    expect(container.Environment).toContainEqual({ Name: 'CAPF_HEALTH_PORT', Value: '8080' });
    // The listener's own drain after SIGTERM ends before ECS kills the container.
    const drainMs = Number((container.Environment as { Name: string; Value: string }[]).find((v) => v.Name === 'CAPF_DRAIN_MS')?.Value);
    expect(drainMs).toBeLessThan(container.StopTimeout * 1000);
    expect(container.Environment).toContainEqual({
      Name: 'CAPF_SIGN_FUNCTION',
      Value: { Ref: logicalIdOf(template, 'AWS::Lambda::Function', 'FunctionsSignFunction') },
    });
  });

  it('may invoke the sign function (its ARN only), use the table (CAPF-trust included) and fill the TLS secret, nothing else', () => {
    const taskRole = logicalIdOf(template, 'AWS::IAM::Role', 'ListenerTaskTaskRole');
    const statements = policyStatementsOf(template, taskRole);
    const tls = { Ref: logicalIdOf(template, 'AWS::SecretsManager::Secret', 'StorageTlsSecret') };
    const authKey = { Ref: logicalIdOf(template, 'AWS::SecretsManager::Secret', 'StorageAuthKeySecret') };
    expect(statements).toHaveLength(6);
    expect(statements).toContainEqual(
      expect.objectContaining({ Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::Lambda::Function', 'FunctionsSignFunction'), 'Arn'] } }),
    );
    expect(statements).toContainEqual(expect.objectContaining({ Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'], Resource: [authKey, tls] }));
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'secretsmanager:PutSecretValue', Resource: tls }));
    const tableArn = { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::DynamoDB::Table', 'StorageTable'), 'Arn'] };
    const tableStatements = statements.filter((statement) => JSON.stringify(statement.Resource).includes('StorageTable'));
    // Items only (no index): reads without condition, audit events in AUDIT# partitions, updates (below); no DeleteItem.
    expect(tableStatements.map((statement) => statement.Resource)).toEqual([tableArn, tableArn, tableArn]);
    expect(tableStatements.map((statement) => actionsOf(statement))).toEqual([['dynamodb:GetItem', 'dynamodb:Query'], ['dynamodb:BatchWriteItem', 'dynamodb:PutItem'], ['dynamodb:UpdateItem']]);
    expect(tableStatements[0]).not.toHaveProperty('Condition');
    expect(tableStatements[1]).toMatchObject({ Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['AUDIT#*'] } } });
  });

  it('may update only the attributes a session changes, in device partitions, with no item returned (issue 10)', () => {
    const statements = policyStatementsOf(template, logicalIdOf(template, 'AWS::IAM::Role', 'ListenerTaskTaskRole'));
    const update = statements.find((statement) => actionsOf(statement).includes('dynamodb:UpdateItem'));
    const condition = (update as { Condition: Record<string, Record<string, string[]>> }).Condition;
    const attributes = condition['ForAllValues:StringEquals']?.['dynamodb:Attributes'] ?? [];
    expect(attributes).toEqual([...LISTENER_WRITABLE_ATTRIBUTES]);
    // What only administrators (and the sign function's count) may set is not among them.
    for (const adminOnly of ['operation', 'authString', 'operationId', 'authMode', 'keyOrder', 'rsaKeySize', 'curve', 'completesBy', 'certificatesIssued', 'certificate', 'chainPem', 'requestId']) {
      expect(attributes).not.toContain(adminOnly);
    }
    // A session's outcome and the lockout are among them: a lock must be writable by the listener.
    for (const sessionWrites of ['status', 'operationEnded', 'authStringUsed', 'lsc', 'fetched', 'authFailures', 'lockedUntil', 'state']) {
      expect(attributes).toContain(sessionWrites);
    }
    expect(condition['ForAllValues:StringLike']).toEqual({ 'dynamodb:LeadingKeys': ['DEVICE#*'] });
    expect(condition.StringEqualsIfExists).toEqual({ 'dynamodb:ReturnValues': ['NONE', 'UPDATED_OLD', 'UPDATED_NEW'] });
    // Puts only with the audit condition; no DeleteItem and no wildcard action anywhere.
    for (const statement of statements.filter((s) => actionsOf(s).some((action) => /PutItem|BatchWrite/.test(action)))) {
      expect(statement).toMatchObject({ Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['AUDIT#*'] } } });
    }
    expect(statements.some((statement) => actionsOf(statement).some((action) => /DeleteItem|\*/.test(action)))).toBe(false);
  });

  it('run as a Fargate service with the desired count, rolling back a failed deployment', () => {
    template.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      DesiredCount: 3,
      DeploymentConfiguration: Match.objectLike({ MinimumHealthyPercent: 100, DeploymentCircuitBreaker: { Enable: true, Rollback: true } }),
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'ENABLED' }) },
    });
  });

  it('scale between the desired and maximum counts on open connections per healthy task', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 3, MaxCapacity: 9, ScalableDimension: 'ecs:service:DesiredCount' });
    template.resourcePropertiesCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', { PolicyType: 'StepScaling' }, 2);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'IF(healthy > 0, flows / healthy, flows)' }),
        Match.objectLike({ Id: 'flows', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'ActiveFlowCount', Namespace: 'AWS/NetworkELB' }) }) }),
      ]),
    });
  });
});
