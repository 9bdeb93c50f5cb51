/**
 * security (phase 2): the two security groups. The ALB takes 80/443 from the
 * internet and talks only to the task's app and hub ports; the task takes
 * 8080 and 3701 from the ALB only and talks HTTPS out. The agent's 8000 is
 * bound to 127.0.0.1 inside the task and is open nowhere.
 */
import { Construct } from 'constructs';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule/index.js';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js';

export interface SecurityProps {
  /** Prefix of resource names. */
  readonly namePrefix: string;
  /** VPC of both groups (network output). */
  readonly vpcId: string;
  /** Also accept IPv6 clients on the ALB. Default `true`. */
  readonly ipv6?: boolean;
  /** Port of the app container. Default `8080`. */
  readonly appPort?: number;
  /** Port of the hub container. Default `3701`. */
  readonly hubPort?: number;
}

/** Outputs of the security module. */
export interface SecurityOutputs {
  readonly albSecurityGroupId: string;
  readonly taskSecurityGroupId: string;
}

export class Security extends Construct implements SecurityOutputs {
  readonly albSecurityGroupId: string;
  readonly taskSecurityGroupId: string;

  constructor(scope: Construct, id: string, props: SecurityProps) {
    super(scope, id);
    const appPort = props.appPort ?? 8080;
    const hubPort = props.hubPort ?? 3701;
    // Rules are separate resources so that neither group embeds the other (no cycle, no drift).
    const alb = new SecurityGroup(this, 'alb', {
      name: `${props.namePrefix}-alb`,
      description: 'HomeAgent ALB: HTTP/HTTPS from the internet, to the task only',
      vpcId: props.vpcId,
      tags: { Name: `${props.namePrefix}-alb` },
    });
    const task = new SecurityGroup(this, 'task', {
      name: `${props.namePrefix}-task`,
      description: 'HomeAgent task: app and hub ports from the ALB only, HTTPS out',
      vpcId: props.vpcId,
      tags: { Name: `${props.namePrefix}-task` },
    });
    this.albSecurityGroupId = alb.id;
    this.taskSecurityGroupId = task.id;

    const sources = [{ id: 'ipv4', cidrIpv4: '0.0.0.0/0' }, ...(props.ipv6 ?? true ? [{ id: 'ipv6', cidrIpv6: '::/0' }] : [])];
    for (const port of [80, 443]) {
      for (const { id: family, ...cidr } of sources) {
        new VpcSecurityGroupIngressRule(this, `alb-in-${port}-${family}`, {
          securityGroupId: alb.id,
          description: port === 80 ? 'HTTP (redirected to HTTPS)' : 'HTTPS',
          ipProtocol: 'tcp', fromPort: port, toPort: port, ...cidr,
        });
      }
    }
    for (const [label, port] of [['app', appPort], ['hub', hubPort]] as const) {
      new VpcSecurityGroupEgressRule(this, `alb-out-${label}`, {
        securityGroupId: alb.id, description: `to the ${label} in the task`,
        ipProtocol: 'tcp', fromPort: port, toPort: port, referencedSecurityGroupId: task.id,
      });
      new VpcSecurityGroupIngressRule(this, `task-in-${label}`, {
        securityGroupId: task.id, description: `${label} from the ALB`,
        ipProtocol: 'tcp', fromPort: port, toPort: port, referencedSecurityGroupId: alb.id,
      });
    }
    // ECR, Bedrock, DynamoDB, Secrets Manager and CloudWatch Logs are all HTTPS.
    new VpcSecurityGroupEgressRule(this, 'task-out-https', {
      securityGroupId: task.id, description: 'HTTPS to AWS APIs',
      ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0',
    });
  }
}
