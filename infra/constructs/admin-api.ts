// The admin API (F12, F23): an HTTP API whose every route needs a SigV4-signed request (IAM authorisation), all
// routed to the admin function, with an access log naming the IAM caller of each request.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface AdminApiProps {
  environment: string;
  handler: lambda.IFunction;
  logRetention: logs.RetentionDays;
}

export class AdminApi extends Construct {
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;

  constructor(scope: Construct, id: string, props: AdminApiProps) {
    super(scope, id);

    this.api = new apigwv2.HttpApi(this, 'Api', {
      description: `capf-cloud ${props.environment} admin API (IAM-authorised)`,
      defaultAuthorizer: new HttpIamAuthorizer(),
      createDefaultStage: false,
    });
    const integration = new HttpLambdaIntegration('Admin', props.handler, { timeout: Duration.seconds(29) });
    this.api.addRoutes({ path: '/{proxy+}', methods: [apigwv2.HttpMethod.ANY], integration });

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.RETAIN });
    this.stage = new apigwv2.HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: 50, burstLimit: 100 },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTime',
            caller: '$context.identity.userArn',
            sourceIp: '$context.identity.sourceIp',
            route: '$context.routeKey',
            status: '$context.status',
            error: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
  }

  get url(): string {
    return this.stage.url;
  }
}
