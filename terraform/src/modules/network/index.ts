/**
 * network (phase 1): a VPC over two availability zones with public subnets
 * (the ALB, the NAT) and private subnets (the task), or the ids of a VPC that
 * exists already.
 */
import { Construct } from 'constructs';
import { Fn, Token } from 'cdktf';
import { DataAwsAvailabilityZones } from '@cdktf/provider-aws/lib/data-aws-availability-zones/index.js';
import { DataAwsSsmParameter } from '@cdktf/provider-aws/lib/data-aws-ssm-parameter/index.js';
import { DefaultSecurityGroup } from '@cdktf/provider-aws/lib/default-security-group/index.js';
import { Eip } from '@cdktf/provider-aws/lib/eip/index.js';
import { Instance } from '@cdktf/provider-aws/lib/instance/index.js';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway/index.js';
import { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway/index.js';
import { Route } from '@cdktf/provider-aws/lib/route/index.js';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table/index.js';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association/index.js';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
import { Subnet } from '@cdktf/provider-aws/lib/subnet/index.js';
import { Vpc } from '@cdktf/provider-aws/lib/vpc/index.js';
import { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint/index.js';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule/index.js';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js';
import type { ExistingVpc, NatMode } from '../../config.js';

export interface NetworkProps {
  /** Prefix of resource names. */
  readonly namePrefix: string;
  /** Region of the VPC (names the gateway endpoints). */
  readonly region: string;
  /** CIDR of the new VPC, a private /16. Default `10.40.0.0/16`. */
  readonly cidr?: string;
  /** Give the VPC and its public subnets IPv6 so the ALB can be dual-stack. Default `true`. */
  readonly ipv6?: boolean;
  /**
   * How the private subnets reach the internet. `gateway` (default): one managed
   * NAT gateway. `instance`: one t4g NAT instance, about $30/month cheaper, not
   * managed (no automatic failover; fine for one task).
   */
  readonly natMode?: NatMode;
  /** Type of the NAT instance. Default `t4g.nano`. */
  readonly natInstanceType?: string;
  /** Use this VPC instead of creating one; its private subnets must already have outbound internet. */
  readonly existingVpc?: ExistingVpc;
}

/** Outputs of the network module. */
export interface NetworkOutputs {
  readonly vpcId: string;
  /** Subnets for the ALB (one per AZ). */
  readonly publicSubnetIds: string[];
  /** Subnets for the task (one per AZ), without public IPs. */
  readonly privateSubnetIds: string[];
  /** The NAT instance (natMode `instance`), for its status-check alarms. */
  readonly natInstanceId?: string;
}

const AZ_COUNT = 2;

export class Network extends Construct implements NetworkOutputs {
  readonly vpcId: string;
  readonly publicSubnetIds: string[];
  readonly privateSubnetIds: string[];
  readonly natInstanceId?: string;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    if (props.existingVpc) {
      this.vpcId = props.existingVpc.vpcId;
      this.publicSubnetIds = [...props.existingVpc.publicSubnetIds];
      this.privateSubnetIds = [...props.existingVpc.privateSubnetIds];
      return;
    }
    const cidr = props.cidr ?? '10.40.0.0/16';
    const ipv6 = props.ipv6 ?? true;
    const natMode = props.natMode ?? 'gateway';
    const name = (suffix: string) => ({ Name: `${props.namePrefix}-${suffix}` });

    const zones = new DataAwsAvailabilityZones(this, 'zones', {
      state: 'available',
      // Local and Wavelength zones have no NAT gateways or ALBs.
      filter: [{ name: 'opt-in-status', values: ['opt-in-not-required'] }],
    });

    const vpc = new Vpc(this, 'vpc', {
      cidrBlock: cidr,
      enableDnsSupport: true,
      enableDnsHostnames: true,
      assignGeneratedIpv6CidrBlock: ipv6,
      tags: name('vpc'),
    });
    this.vpcId = vpc.id;

    // The default security group allows all traffic between its members; nothing should use it.
    new DefaultSecurityGroup(this, 'default-security-group', { vpcId: vpc.id, tags: name('default-deny') });

    const igw = new InternetGateway(this, 'internet-gateway', { vpcId: vpc.id, tags: name('igw') });

    const octets = cidr.split('/')[0]!.split('.');
    const subnetCidr = (third: number) => `${octets[0]}.${octets[1]}.${third}.0/24`;

    const publicSubnets: Subnet[] = [];
    const privateSubnets: Subnet[] = [];
    for (let i = 0; i < AZ_COUNT; i++) {
      // Fn.element is typed `any`; a zone name is a string token.
      const az = Token.asString(Fn.element(zones.names, i));
      publicSubnets.push(new Subnet(this, `public-${i}`, {
        vpcId: vpc.id,
        availabilityZone: az,
        cidrBlock: subnetCidr(i),
        ...(ipv6 ? { ipv6CidrBlock: Fn.cidrsubnet(vpc.ipv6CidrBlock, 8, i) } : {}),
        // Nothing in a public subnet gets a public address unless it asks (ALB, NAT).
        mapPublicIpOnLaunch: false,
        tags: name(`public-${i}`),
      }));
      privateSubnets.push(new Subnet(this, `private-${i}`, {
        vpcId: vpc.id,
        availabilityZone: az,
        cidrBlock: subnetCidr(10 + i),
        mapPublicIpOnLaunch: false,
        tags: name(`private-${i}`),
      }));
    }
    this.publicSubnetIds = publicSubnets.map((s) => s.id);
    this.privateSubnetIds = privateSubnets.map((s) => s.id);

    const publicRoutes = new RouteTable(this, 'public-routes', { vpcId: vpc.id, tags: name('public') });
    new Route(this, 'public-default-ipv4', { routeTableId: publicRoutes.id, destinationCidrBlock: '0.0.0.0/0', gatewayId: igw.id });
    if (ipv6) {
      new Route(this, 'public-default-ipv6', { routeTableId: publicRoutes.id, destinationIpv6CidrBlock: '::/0', gatewayId: igw.id });
    }
    publicSubnets.forEach((s, i) => new RouteTableAssociation(this, `public-${i}-routes`, { subnetId: s.id, routeTableId: publicRoutes.id }));

    // One NAT for both AZs: a second one doubles the largest fixed cost, and
    // with a single task an AZ outage interrupts the service either way.
    const privateRoutes = new RouteTable(this, 'private-routes', { vpcId: vpc.id, tags: name('private') });
    privateSubnets.forEach((s, i) => new RouteTableAssociation(this, `private-${i}-routes`, { subnetId: s.id, routeTableId: privateRoutes.id }));

    // Free gateway endpoints: image layers (S3) and the table stay on the AWS
    // network and skip the NAT's per-GB charge.
    for (const service of ['s3', 'dynamodb']) {
      new VpcEndpoint(this, `${service}-endpoint`, {
        vpcId: vpc.id,
        serviceName: `com.amazonaws.${props.region}.${service}`,
        vpcEndpointType: 'Gateway',
        routeTableIds: [privateRoutes.id],
        tags: name(service),
      });
    }

    if (natMode === 'gateway') {
      const eip = new Eip(this, 'nat-address', { domain: 'vpc', tags: name('nat'), dependsOn: [igw] });
      const nat = new NatGateway(this, 'nat-gateway', { allocationId: eip.allocationId, subnetId: publicSubnets[0]!.id, tags: name('nat'), dependsOn: [igw] });
      new Route(this, 'private-default-ipv4', { routeTableId: privateRoutes.id, destinationCidrBlock: '0.0.0.0/0', natGatewayId: nat.id });
    } else {
      const natSg = new SecurityGroup(this, 'nat-instance-security-group', {
        name: `${props.namePrefix}-nat-instance`,
        description: 'NAT instance: HTTPS from the VPC out to the internet',
        vpcId: vpc.id,
        tags: name('nat-instance'),
      });
      // The task only talks HTTPS (ECR, Bedrock, DynamoDB, Secrets Manager, Logs).
      new VpcSecurityGroupIngressRule(this, 'nat-instance-https-from-vpc', {
        securityGroupId: natSg.id, description: 'HTTPS from the private subnets', ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: cidr,
      });
      new VpcSecurityGroupEgressRule(this, 'nat-instance-https-out', {
        securityGroupId: natSg.id, description: 'HTTPS to the internet', ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0',
      });
      const ami = new DataAwsSsmParameter(this, 'nat-instance-ami', {
        name: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64',
      });
      const nat = new Instance(this, 'nat-instance', {
        ami: ami.value,
        instanceType: props.natInstanceType ?? 't4g.nano',
        subnetId: publicSubnets[0]!.id,
        associatePublicIpAddress: true,
        sourceDestCheck: false,
        vpcSecurityGroupIds: [natSg.id],
        // No SSH key, no instance role: nothing to log in with, nothing to steal.
        metadataOptions: { httpTokens: 'required', httpEndpoint: 'enabled', httpPutResponseHopLimit: 1 },
        // t4g defaults to "unlimited" CPU credits, which can bill beyond the hourly price.
        creditSpecification: { cpuCredits: 'standard' },
        rootBlockDevice: { encrypted: true, volumeType: 'gp3', volumeSize: 8, deleteOnTermination: true },
        userData: NAT_USER_DATA,
        userDataReplaceOnChange: true,
        tags: name('nat-instance'),
        // A newer AMI alone should not replace the NAT (and cut egress) on every plan.
        lifecycle: { ignoreChanges: ['ami'] },
        dependsOn: [igw],
      });
      new Route(this, 'private-default-ipv4', { routeTableId: privateRoutes.id, destinationCidrBlock: '0.0.0.0/0', networkInterfaceId: nat.primaryNetworkInterfaceId });
      this.natInstanceId = nat.id;
    }
  }
}

/** Turns Amazon Linux 2023 into a NAT on every boot (a systemd unit, not a one-off script). */
const NAT_USER_DATA = `#!/bin/bash
set -euo pipefail
cat >/usr/local/sbin/homeagent-nat <<'SCRIPT'
#!/bin/bash
set -euo pipefail
command -v nft >/dev/null || dnf install -y nftables
sysctl -w net.ipv4.ip_forward=1
dev=$(ip route show default | awk '{print $5; exit}')
nft delete table ip homeagent_nat 2>/dev/null || true
nft add table ip homeagent_nat
nft 'add chain ip homeagent_nat postrouting { type nat hook postrouting priority 100 ; }'
nft add rule ip homeagent_nat postrouting oifname "$dev" masquerade
SCRIPT
chmod 0755 /usr/local/sbin/homeagent-nat
cat >/etc/systemd/system/homeagent-nat.service <<'UNIT'
[Unit]
Description=HomeAgent NAT (IPv4 forwarding and masquerade)
After=network-online.target
Wants=network-online.target
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/homeagent-nat
[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable --now homeagent-nat.service
`;
