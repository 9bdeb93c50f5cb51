/**
 * ecr (phase 1): one repository per image (agent, app, mercure) with
 * immutable tags, scan on push and a lifecycle that keeps the last 10 images.
 */
import { Construct } from 'constructs';
import { EcrLifecyclePolicy } from '@cdktf/provider-aws/lib/ecr-lifecycle-policy/index.js';
import { EcrRepository } from '@cdktf/provider-aws/lib/ecr-repository/index.js';
import { CONTAINERS, type ContainerName } from '../../resource-names.js';

export interface EcrProps {
  /** Repository name per image, e.g. `homeagent/agent`. */
  readonly repositoryNames: Record<ContainerName, string>;
  /** How many images each repository keeps. Default `10`. */
  readonly keepImages?: number;
  /** Let a destroy delete repositories that still hold images (throwaway stacks). Default `false`. */
  readonly forceDelete?: boolean;
}

/** Outputs of the ecr module. */
export interface EcrOutputs {
  readonly repositoryUrls: Record<ContainerName, string>;
  readonly repositoryArns: Record<ContainerName, string>;
}

export class Ecr extends Construct implements EcrOutputs {
  readonly repositoryUrls = {} as Record<ContainerName, string>;
  readonly repositoryArns = {} as Record<ContainerName, string>;

  constructor(scope: Construct, id: string, props: EcrProps) {
    super(scope, id);
    const keep = props.keepImages ?? 10;
    for (const name of CONTAINERS) {
      const repo = new EcrRepository(this, name, {
        name: props.repositoryNames[name],
        // deploy.sh tags with the git SHA; a tag must never point at two images.
        imageTagMutability: 'IMMUTABLE',
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfiguration: [{ encryptionType: 'AES256' }],
        forceDelete: props.forceDelete ?? false,
      });
      new EcrLifecyclePolicy(this, `${name}-lifecycle`, {
        repository: repo.name,
        policy: JSON.stringify({
          rules: [{
            rulePriority: 1,
            description: `keep the last ${keep} images`,
            selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: keep },
            action: { type: 'expire' },
          }],
        }),
      });
      this.repositoryUrls[name] = repo.repositoryUrl;
      this.repositoryArns[name] = repo.arn;
    }
  }
}
