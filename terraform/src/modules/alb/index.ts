/**
 * alb (phase 4): the internet-facing load balancer. HTTPS with an explicit
 * TLS 1.3 policy; port 80 only redirects; `/.well-known/mercure*` goes to the
 * hub, everything else to the app; invalid headers dropped; access logs in
 * an encrypted, private bucket; idle timeout above the hub heartbeat so idle
 * SSE connections are kept. Also points `<subdomain>.<zone>` at itself.
 */
import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity/index.js';
import { DataAwsElbServiceAccount } from '@cdktf/provider-aws/lib/data-aws-elb-service-account/index.js';
import { Lb } from '@cdktf/provider-aws/lib/lb/index.js';
import { LbListener } from '@cdktf/provider-aws/lib/lb-listener/index.js';
import { LbListenerRule } from '@cdktf/provider-aws/lib/lb-listener-rule/index.js';
import { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group/index.js';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record/index.js';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket/index.js';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration/index.js';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls/index.js';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy/index.js';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block/index.js';
import { S3BucketServerSideEncryptionConfigurationA as S3BucketServerSideEncryptionConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration/index.js';
import type { TlsPolicy } from '../../config.js';

export const HUB_PATH_PATTERN = '/.well-known/mercure*';

/**
 * Regions opened before August 2022 deliver ALB logs as a regional ELB
 * account; newer ones only as the log-delivery service principal (and the
 * provider's aws_elb_service_account fails there).
 */
const ELB_ACCOUNT_REGIONS = new Set([
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'af-south-1', 'ap-east-1', 'ap-south-1', 'ap-northeast-1',
  'ap-northeast-2', 'ap-northeast-3', 'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ca-central-1',
  'eu-central-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-south-1', 'eu-north-1', 'me-south-1', 'sa-east-1',
  'us-gov-west-1', 'us-gov-east-1', 'cn-north-1', 'cn-northwest-1',
]);

export interface AlbProps {
  /** Prefix of resource names (ALB and target group names ≤ 32 chars). */
  readonly namePrefix: string;
  /** Region of the stack; decides who delivers access logs. */
  readonly region: string;
  /** Network outputs: the VPC and its public subnets. */
  readonly vpcId: string;
  readonly publicSubnetIds: string[];
  /** Security output: the ALB's group. */
  readonly securityGroupId: string;
  /** Dns outputs: the issued certificate, the zone and the name to serve. */
  readonly certificateArn: string;
  readonly zoneId: string;
  readonly domainName: string;
  /** Dual-stack (IPv4 + IPv6, AAAA record). Default `true`. */
  readonly ipv6?: boolean;
  /** TLS policy of the HTTPS listener. Default `ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09`. */
  readonly tlsPolicy?: TlsPolicy;
  /** Hub heartbeat in seconds; the idle timeout is set 20 s above it. Default `40`. */
  readonly hubHeartbeatSeconds?: number;
  /** Refuse deleting the ALB. Default `true`. */
  readonly deletionProtection?: boolean;
  /** Let a destroy empty the access-log bucket (throwaway stacks). Default `false`. */
  readonly forceDestroyLogs?: boolean;
  /** Days access logs are kept. Default `90`. */
  readonly accessLogDays?: number;
  /** Container ports. Defaults 8080 (app) and 3701 (hub). */
  readonly appPort?: number;
  readonly hubPort?: number;
}

/** Outputs of the alb module. */
export interface AlbOutputs {
  readonly albArn: string;
  /** `app/<name>/<id>`, the LoadBalancer dimension of CloudWatch metrics. */
  readonly albArnSuffix: string;
  readonly appTargetGroupArn: string;
  readonly hubTargetGroupArn: string;
  /** TargetGroup dimensions of CloudWatch metrics. */
  readonly appTargetGroupArnSuffix: string;
  readonly hubTargetGroupArnSuffix: string;
  /** Idle timeout actually set, in seconds. */
  readonly idleTimeoutSeconds: number;
  /**
   * What the service must wait for: the HTTPS listener (which waits for the
   * certificate) and the hub rule. A target group only counts as attached to
   * a load balancer once a listener or rule forwards to it.
   */
  readonly routing: ITerraformDependable[];
}

export class Alb extends Construct implements AlbOutputs {
  readonly albArn: string;
  readonly albArnSuffix: string;
  readonly appTargetGroupArn: string;
  readonly hubTargetGroupArn: string;
  readonly appTargetGroupArnSuffix: string;
  readonly hubTargetGroupArnSuffix: string;
  readonly idleTimeoutSeconds: number;
  readonly routing: ITerraformDependable[];

  constructor(scope: Construct, id: string, props: AlbProps) {
    super(scope, id);
    const ipv6 = props.ipv6 ?? true;
    const account = new DataAwsCallerIdentity(this, 'account').accountId;

    // ---- access log bucket: private, encrypted (ALB logs support SSE-S3 only), TLS only, expiring ----
    const logs = new S3Bucket(this, 'access-logs', { bucketPrefix: `${props.namePrefix}-alb-logs-`, forceDestroy: props.forceDestroyLogs ?? false });
    new S3BucketPublicAccessBlock(this, 'access-logs-public-access', {
      bucket: logs.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, 'access-logs-ownership', { bucket: logs.id, rule: { objectOwnership: 'BucketOwnerEnforced' } });
    new S3BucketServerSideEncryptionConfiguration(this, 'access-logs-encryption', {
      bucket: logs.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
    });
    new S3BucketLifecycleConfiguration(this, 'access-logs-expiry', {
      bucket: logs.id,
      rule: [{ id: 'expire', status: 'Enabled', filter: [{ prefix: '' }], expiration: [{ days: props.accessLogDays ?? 90 }] }],
    });
    const prefix = 'alb';
    const logObjects = `${logs.arn}/${prefix}/AWSLogs/${account}/*`;
    const elbAccount = ELB_ACCOUNT_REGIONS.has(props.region) ? new DataAwsElbServiceAccount(this, 'elb-account') : undefined;
    const logsPolicy = new S3BucketPolicy(this, 'access-logs-policy', {
      bucket: logs.id,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          ...(elbAccount ? [{ Sid: 'ElbAccountWritesLogs', Effect: 'Allow', Principal: { AWS: elbAccount.arn }, Action: 's3:PutObject', Resource: logObjects }] : []),
          { Sid: 'ElbServiceWritesLogs', Effect: 'Allow', Principal: { Service: 'logdelivery.elasticloadbalancing.amazonaws.com' }, Action: 's3:PutObject', Resource: logObjects },
          {
            Sid: 'TlsOnly', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [logs.arn, `${logs.arn}/*`],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      }),
    });

    // ---- the load balancer ----
    const heartbeat = props.hubHeartbeatSeconds ?? 40;
    // Above the heartbeat, so an SSE stream with nothing but heartbeats is never cut as idle.
    this.idleTimeoutSeconds = heartbeat + 20;
    const alb = new Lb(this, 'load-balancer', {
      name: props.namePrefix,
      loadBalancerType: 'application',
      internal: false,
      ipAddressType: ipv6 ? 'dualstack' : 'ipv4',
      subnets: props.publicSubnetIds,
      securityGroups: [props.securityGroupId],
      dropInvalidHeaderFields: true,
      enableDeletionProtection: props.deletionProtection ?? true,
      idleTimeout: this.idleTimeoutSeconds,
      desyncMitigationMode: 'defensive',
      accessLogs: { bucket: logs.id, prefix, enabled: true },
      dependsOn: [logsPolicy],
    });
    this.albArn = alb.arn;
    this.albArnSuffix = alb.arnSuffix;

    const targetGroup = (key: string, port: number) => new LbTargetGroup(this, `${key}-targets`, {
      name: `${props.namePrefix}-${key}`,
      port,
      protocol: 'HTTP',
      targetType: 'ip',
      vpcId: props.vpcId,
      deregistrationDelay: '30',
      healthCheck: { path: '/healthz', matcher: '200', protocol: 'HTTP', port: 'traffic-port', interval: 15, timeout: 5, healthyThreshold: 2, unhealthyThreshold: 3 },
    });
    const app = targetGroup('app', props.appPort ?? 8080);
    const hub = targetGroup('hub', props.hubPort ?? 3701);
    this.appTargetGroupArn = app.arn;
    this.hubTargetGroupArn = hub.arn;
    this.appTargetGroupArnSuffix = app.arnSuffix;
    this.hubTargetGroupArnSuffix = hub.arnSuffix;

    new LbListener(this, 'http', {
      loadBalancerArn: alb.arn,
      port: 80,
      protocol: 'HTTP',
      defaultAction: [{ type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } }],
    });
    const https = new LbListener(this, 'https', {
      loadBalancerArn: alb.arn,
      port: 443,
      protocol: 'HTTPS',
      sslPolicy: props.tlsPolicy ?? 'ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09',
      certificateArn: props.certificateArn,
      defaultAction: [{ type: 'forward', targetGroupArn: app.arn }],
    });
    const hubRule = new LbListenerRule(this, 'hub-route', {
      listenerArn: https.arn,
      priority: 10,
      condition: [{ pathPattern: { values: [HUB_PATH_PATTERN] } }],
      action: [{ type: 'forward', targetGroupArn: hub.arn }],
    });
    this.routing = [https, hubRule];

    for (const type of ipv6 ? ['A', 'AAAA'] : ['A']) {
      new Route53Record(this, `alias-${type.toLowerCase()}`, {
        zoneId: props.zoneId,
        name: props.domainName,
        type,
        alias: { name: alb.dnsName, zoneId: alb.zoneId, evaluateTargetHealth: true },
      });
    }
  }
}
