// The CAPF TCP listener (F13): Fargate tasks behind a dual-stack Network Load Balancer, running an image of Node 22
// and the listener bundled by esbuild at synth (listener/Dockerfile). TLS passes through to the container (the phone
// must see the CAPF certificate itself, so the NLB cannot terminate it); only the configured phone ranges reach 3804;
// the task count follows open connections.
import { grantSecretAccess } from './secret-access.ts';
import { dirname, join } from 'node:path';
import { AssetStaging, DockerImage, Duration, RemovalPolicy, Size, Validations } from 'aws-cdk-lib';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { isIpv6Cidr, type CapfConfig } from '../config.ts';
import { grantListenerTableAccess } from './table-access.ts';
import { EsbuildLocalBundling, LISTENER_DOCKERFILE, LISTENER_ENTRY } from '../bundling.ts';
import type { CapfFunction } from './capf-function.ts';

export const CAPF_PORT = 3804;
export const HEALTH_PORT = 8080;
/** Open connections per task above which one more task starts (and below a quarter of it, one stops). */
export const CONNECTIONS_PER_TASK = 400;
/**
 * Graviton for the tasks and so for the image (the sign functions are arm64 too): Fargate's ARM price is 20 % below
 * x86_64 for the same vCPU and memory. The image can be built on any machine: the bundle is plain JavaScript and the
 * Dockerfile runs no command inside the image, so an x86_64 builder needs no emulation to produce it.
 */
export const LISTENER_PLATFORM = { image: Platform.LINUX_ARM64, cpuArchitecture: ecs.CpuArchitecture.ARM64 } as const;
/** Sessions one listener task holds at most (CAPF_MAX_SESSIONS); the task's memory is sized for them. */
export const MAX_SESSIONS_PER_TASK = 2_000;
/** Fargate's longest stop timeout; the listener's own drain after SIGTERM must end before it. */
const STOP_TIMEOUT_SECONDS = 120;

export interface ListenerProps {
  config: CapfConfig;
  vpc: ec2.IVpc;
  repoRoot: string;
  table: dynamodb.ITable;
  tlsSecret: secretsmanager.ISecret;
  /** The key authentication strings are hashed with (read only). */
  authKeySecret: secretsmanager.ISecret;
  /** CAPF_ISSUER: the listener asks phones for a CSR when the issuer needs one (acm-pca, microsoft-ca). */
  issuer: string;
  /** Functions the listener invokes; each arrives as CAPF_<ID>_FUNCTION (the sign function: CAPF_SIGN_FUNCTION). */
  invokes: CapfFunction[];
  logRetention: logs.RetentionDays;
}

export class Listener extends Construct {
  readonly service: ecs.FargateService;
  readonly loadBalancer: elbv2.NetworkLoadBalancer;
  readonly targetGroup: elbv2.NetworkTargetGroup;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ListenerProps) {
    super(scope, id);
    const { config, vpc } = props;

    const cluster = new ecs.Cluster(this, 'Cluster', { vpc });
    Validations.of(cluster).acknowledge({
      id: 'AwsSolutions-ECS4',
      reason:
        'The free AWS/ECS service metrics, the load balancer metrics and the CAPF dashboard cover the listener; ' +
        'Container Insights would add per-metric charges at rest.',
    });

    const taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: 256,
      memoryLimitMiB: 512,
      runtimePlatform: { cpuArchitecture: LISTENER_PLATFORM.cpuArchitecture, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: RemovalPolicy.RETAIN });

    const environment: Record<string, string> = {
      CAPF_TABLE: props.table.tableName,
      CAPF_TLS_SECRET_ARN: props.tlsSecret.secretArn,
      CAPF_AUTH_KEY_SECRET_ARN: props.authKeySecret.secretArn,
      CAPF_ISSUER: props.issuer,
      CAPF_PORT: String(CAPF_PORT),
      CAPF_HEALTH_PORT: String(HEALTH_PORT),
      // The target group below puts a PROXY v2 header before each connection: the phone's address, not the NLB's.
      CAPF_PROXY_PROTOCOL: 'v2',
      // TLSv1 (deploy setting minTls) only for 7900-series phones; the listener logs a warning when it is.
      CAPF_MIN_TLS: config.minTls,
      // Sessions still open after the load balancer's drain get this long once SIGTERM arrives.
      CAPF_DRAIN_MS: String((STOP_TIMEOUT_SECONDS - 10) * 1000),
      CAPF_MAX_SESSIONS: String(MAX_SESSIONS_PER_TASK),
    };
    // The allowed phone ranges are the phone networks: a site's NAT address there gets the larger failure budget.
    if (config.allowedPhoneCidrs.length > 0) environment.CAPF_PHONE_NETWORKS = config.allowedPhoneCidrs.join(',');
    for (const fn of props.invokes) environment[`CAPF_${fn.spec.id.toUpperCase().replaceAll('-', '_')}_FUNCTION`] = fn.function.functionName;

    taskDefinition.addContainer('Listener', {
      image: ecs.ContainerImage.fromAsset(this.imageContext(props.repoRoot), { platform: LISTENER_PLATFORM.image }),
      user: '1000:1000',
      readonlyRootFilesystem: true,
      environment,
      portMappings: [
        { containerPort: CAPF_PORT, protocol: ecs.Protocol.TCP, name: 'capf' },
        { containerPort: HEALTH_PORT, protocol: ecs.Protocol.TCP, name: 'health' },
      ],
      healthCheck: {
        command: ['CMD', 'node', '-e', `fetch('http://127.0.0.1:${HEALTH_PORT}/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`],
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(30),
      },
      stopTimeout: Duration.seconds(STOP_TIMEOUT_SECONDS),
      logging: ecs.LogDrivers.awsLogs({
        streamPrefix: 'listener',
        logGroup: this.logGroup,
        mode: ecs.AwsLogDriverMode.NON_BLOCKING,
        maxBufferSize: Size.mebibytes(25),
      }),
    });
    Validations.of(taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason: 'The environment holds resource names and ARNs only; the TLS key is read at run time from Secrets Manager.',
    });

    grantListenerTableAccess(props.table, taskDefinition.taskRole);
    // readWrite: the first task to start stores the CAPF certificate it generates into the `{}` placeholder.
    grantSecretAccess(props.tlsSecret, taskDefinition.taskRole, 'readWrite');
    props.authKeySecret.grantRead(taskDefinition.taskRole);
    if (props.invokes.length > 0) {
      // The function ARN itself, not `arn:*`: the listener never calls a version or alias.
      taskDefinition.taskRole.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: props.invokes.map((fn) => fn.function.functionArn) }),
      );
    }
    const executionRole = taskDefinition.obtainExecutionRole();
    Validations.of(executionRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken, needed to pull the listener image, has no resource-level permissions.',
    });

    const taskSecurityGroup = new ec2.SecurityGroup(this, 'TaskSecurityGroup', {
      vpc,
      description: 'CAPF listener tasks: 3804 and health checks from the load balancer; HTTPS out to AWS APIs',
      allowAllOutbound: false,
    });
    taskSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'AWS APIs, ECR and Secrets Manager over HTTPS');

    this.service = new ecs.FargateService(this, 'Service', {
      cluster,
      taskDefinition,
      desiredCount: config.desiredListenerCount,
      // Public subnets with public addresses instead of a NAT gateway; the security group admits only the NLB.
      assignPublicIp: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroups: [taskSecurityGroup],
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      healthCheckGracePeriod: Duration.seconds(60),
    });

    this.loadBalancer = this.createLoadBalancer(config, vpc);
    this.targetGroup = this.loadBalancer.addListener('Capf', { port: CAPF_PORT, protocol: elbv2.Protocol.TCP }).addTargets('Tasks', {
      port: CAPF_PORT,
      protocol: elbv2.Protocol.TCP,
      targets: [this.service.loadBalancerTarget({ containerName: 'Listener', containerPort: CAPF_PORT })],
      healthCheck: {
        protocol: elbv2.Protocol.HTTP,
        port: String(HEALTH_PORT),
        path: '/health',
        interval: Duration.seconds(10),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 2,
      },
      // A stopping task keeps its sessions this long (key generation on a phone takes minutes), then they are cut
      // and the phone retries against another task.
      deregistrationDelay: Duration.seconds(config.sessionDrainSeconds),
    });
    this.targetGroup.setAttribute('deregistration_delay.connection_termination.enabled', 'true');
    // IP targets over TCP see the NLB's address; the header carries the phone's (logs, the IPv6 parameter, limits).
    this.targetGroup.setAttribute('proxy_protocol_v2.enabled', 'true');
    for (const port of [CAPF_PORT, HEALTH_PORT]) {
      this.service.connections.allowFrom(this.loadBalancer, ec2.Port.tcp(port), 'From the CAPF load balancer');
    }

    this.scaleOnConnections(config);
  }

  /**
   * The image's build context, made at synth: the listener bundled by esbuild (one ESM file with the AWS SDK clients it
   * uses) and the Dockerfile, nothing else. For a stack that `cdk deploy` is not deploying, CDK skips bundling and the
   * context is the listener folder itself (it has the Dockerfile too, and nothing is built from it).
   */
  private imageContext(repoRoot: string): string {
    const context = new AssetStaging(this, 'ImageContext', {
      sourcePath: join(repoRoot, dirname(LISTENER_DOCKERFILE)),
      bundling: {
        local: new EsbuildLocalBundling(repoRoot, LISTENER_ENTRY, 'listener'),
        // Never used: local bundling always answers (or throws), so CDK never falls back to Docker.
        image: DockerImage.fromRegistry('capf-bundles-locally'),
      },
    });
    return context.absoluteStagedPath;
  }

  private createLoadBalancer(config: CapfConfig, vpc: ec2.IVpc): elbv2.NetworkLoadBalancer {
    const securityGroup = new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', {
      vpc,
      description: 'CAPF load balancer: TCP 3804 from the allowed phone ranges only',
      allowAllOutbound: false,
      allowAllIpv6Outbound: false,
    });
    for (const cidr of config.allowedPhoneCidrs) {
      const peer = isIpv6Cidr(cidr) ? ec2.Peer.ipv6(cidr) : ec2.Peer.ipv4(cidr);
      securityGroup.addIngressRule(peer, ec2.Port.tcp(CAPF_PORT), `CAPF phones in ${cidr}`);
    }
    const loadBalancer = new elbv2.NetworkLoadBalancer(this, 'LoadBalancer', {
      vpc,
      internetFacing: true,
      ipAddressType: elbv2.IpAddressType.DUAL_STACK,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroups: [securityGroup],
      crossZoneEnabled: true,
      deletionProtection: config.environment === 'prod',
    });
    Validations.of(loadBalancer).acknowledge({
      id: 'AwsSolutions-ELB2',
      reason: 'Network Load Balancers write access logs for TLS listeners only; 3804 is a TCP pass-through listener.',
    });
    return loadBalancer;
  }

  /** Step scaling on open connections per healthy task (NLBs have no per-target predefined metric). */
  private scaleOnConnections(config: CapfConfig): void {
    const minute = { period: Duration.minutes(1) };
    const perTask = new cloudwatch.MathExpression({
      expression: 'IF(healthy > 0, flows / healthy, flows)',
      usingMetrics: {
        flows: this.loadBalancer.metrics.activeFlowCount({ ...minute, statistic: cloudwatch.Stats.AVERAGE }),
        healthy: this.targetGroup.metrics.healthyHostCount({ ...minute, statistic: cloudwatch.Stats.MINIMUM }),
      },
      label: 'Open CAPF connections per listener task',
      ...minute,
    });
    const scaling = this.service.autoScaleTaskCount({ minCapacity: config.desiredListenerCount, maxCapacity: config.maxListenerCount });
    scaling.scaleOnMetric('ConnectionsPerTask', {
      metric: perTask,
      adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
      scalingSteps: [
        { upper: CONNECTIONS_PER_TASK / 4, change: -1 },
        { lower: CONNECTIONS_PER_TASK, change: +1 },
        { lower: CONNECTIONS_PER_TASK * 2.5, change: +2 },
      ],
      cooldown: Duration.minutes(5),
    });
  }
}
