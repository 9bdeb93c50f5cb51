/**
 * dns (phase 3): the ACM certificate for `<subdomain>.<zone>`, validated
 * through a record in the hosted zone. The alias records that point the name
 * at the ALB need the ALB (phase 4), so the alb module creates them in the
 * zone this module outputs.
 */
import { Construct } from 'constructs';
import { AcmCertificate } from '@cdktf/provider-aws/lib/acm-certificate/index.js';
import { AcmCertificateValidation } from '@cdktf/provider-aws/lib/acm-certificate-validation/index.js';
import { DataAwsRoute53Zone } from '@cdktf/provider-aws/lib/data-aws-route53-zone/index.js';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record/index.js';

export interface DnsProps {
  /** Public hosted zone that exists already, e.g. `example.com`. */
  readonly hostedZoneName: string;
  /** Its id; looked up by name when absent. */
  readonly hostedZoneId?: string;
  /** Label in front of the zone. Default `chat`. */
  readonly subdomain?: string;
}

/** Outputs of the dns module. */
export interface DnsOutputs {
  readonly zoneId: string;
  /** `chat.example.com` */
  readonly domainName: string;
  /** ARN of the certificate once it is issued (use this, not the unvalidated one). */
  readonly certificateArn: string;
}

export class Dns extends Construct implements DnsOutputs {
  readonly zoneId: string;
  readonly domainName: string;
  readonly certificateArn: string;

  constructor(scope: Construct, id: string, props: DnsProps) {
    super(scope, id);
    this.domainName = `${props.subdomain ?? 'chat'}.${props.hostedZoneName}`;
    this.zoneId = props.hostedZoneId ?? new DataAwsRoute53Zone(this, 'zone', { name: props.hostedZoneName, privateZone: false }).zoneId;

    const certificate = new AcmCertificate(this, 'certificate', {
      domainName: this.domainName,
      validationMethod: 'DNS',
      keyAlgorithm: 'EC_prime256v1',
      // A replacement must be issued before the listener lets go of the old one.
      lifecycle: { createBeforeDestroy: true },
    });
    // One name, so exactly one validation option.
    const option = certificate.domainValidationOptions.get(0);
    const record = new Route53Record(this, 'certificate-validation-record', {
      zoneId: this.zoneId,
      name: option.resourceRecordName,
      type: option.resourceRecordType,
      records: [option.resourceRecordValue],
      ttl: 300,
      allowOverwrite: true,
    });
    const validation = new AcmCertificateValidation(this, 'certificate-validation', {
      certificateArn: certificate.arn,
      validationRecordFqdns: [record.fqdn],
    });
    this.certificateArn = validation.certificateArn;
  }
}
