/**
 * attachments (phase 1): the S3 bucket where the agent keeps the photos and
 * documents people attach to a chat. Private (public access blocked, owner
 * enforced, no ACLs), encrypted with SSE-S3, TLS only, and incomplete
 * multipart uploads are removed after a day so an interrupted upload costs
 * nothing for long. The agent writes only under `objectPrefix`; the task
 * role is scoped to it (iam module). Objects stay until the agent deletes
 * them (with their conversation or account).
 */
import { Construct } from 'constructs';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket/index.js';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration/index.js';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls/index.js';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy/index.js';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block/index.js';
import { S3BucketServerSideEncryptionConfigurationA as S3BucketServerSideEncryptionConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration/index.js';

/** Where the agent's objects live in the bucket (the task role may touch nothing else). */
export const ATTACHMENTS_PREFIX = 'attachments/';

export interface AttachmentsProps {
  /** Prefix of the bucket name (`<prefix>-attachments-<random>`). */
  readonly namePrefix: string;
  /** Let a destroy delete the objects too (throwaway stacks). Default `false`. */
  readonly forceDestroy?: boolean;
  /** Days before an unfinished multipart upload is removed. Default `1`. */
  readonly abortIncompleteUploadDays?: number;
}

/** Outputs of the attachments module. */
export interface AttachmentsOutputs {
  readonly bucketName: string;
  readonly bucketArn: string;
  /** `attachments/`: the only prefix the agent uses. */
  readonly objectPrefix: string;
}

export class Attachments extends Construct implements AttachmentsOutputs {
  readonly bucketName: string;
  readonly bucketArn: string;
  readonly objectPrefix = ATTACHMENTS_PREFIX;

  constructor(scope: Construct, id: string, props: AttachmentsProps) {
    super(scope, id);
    const bucket = new S3Bucket(this, 'bucket', { bucketPrefix: `${props.namePrefix}-attachments-`, forceDestroy: props.forceDestroy ?? false });
    new S3BucketPublicAccessBlock(this, 'public-access', {
      bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, 'ownership', { bucket: bucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' } });
    new S3BucketServerSideEncryptionConfiguration(this, 'encryption', {
      bucket: bucket.id,
      // SSE-S3 with bucket keys: encrypted at rest without a KMS key to pay for per request.
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' }, bucketKeyEnabled: true }],
    });
    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket: bucket.id,
      rule: [{
        id: 'abort-incomplete-uploads',
        status: 'Enabled',
        filter: [{ prefix: '' }],
        abortIncompleteMultipartUpload: [{ daysAfterInitiation: props.abortIncompleteUploadDays ?? 1 }],
      }],
    });
    new S3BucketPolicy(this, 'policy', {
      bucket: bucket.id,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{
          Sid: 'TlsOnly',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: [bucket.arn, `${bucket.arn}/*`],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }],
      }),
    });
    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
  }
}
