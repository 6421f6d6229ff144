// Table grants by name: item actions on the table itself, and Query/Scan on the indexes a role names. CDK's
// Table.grant adds `<table>/index/*` for every action once the table has an index, which gives item writers index
// access they cannot use and is a wildcard cdk-nag (rightly) flags.
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { tableActions, type TableAction } from '../functions.ts';

const INDEX_ACTIONS: readonly TableAction[] = ['Query', 'Scan'];

export function grantTable(table: dynamodb.ITable, grantee: iam.IGrantable, actions: readonly TableAction[], indexes: readonly string[] = []): void {
  grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: tableActions(actions), resources: [table.tableArn] }));
  const indexActions = actions.filter((action) => INDEX_ACTIONS.includes(action));
  if (indexes.length === 0 || indexActions.length === 0) return;
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: tableActions(indexActions), resources: indexes.map((name) => `${table.tableArn}/index/${name}`) }),
  );
}
