/**
 * ecs-service (phase 5): the Fargate service that runs the task in the
 * private subnets without a public IP, behind both target groups, with the
 * deployment circuit breaker rolling back a failed revision.
 *
 * One task at most. Each task carries its own hub, and the hub keeps
 * subscriptions and history in memory (local transport): with two tasks a
 * browser subscribed on one would never see the tokens that the agent of the
 * other publishes. The same reason makes deployments stop the old task
 * before starting the new one (maximum 100 %), trading a short gap for never
 * having two hubs. Lift this only when the hub has a shared transport.
 */
import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { EcsService } from '@cdktf/provider-aws/lib/ecs-service/index.js';
import { PORTS } from '../ecs/index.js';

/** Tasks allowed while the hub has no shared transport. */
export const MAX_TASKS_WITHOUT_SHARED_HUB = 1;

export class TooManyTasksError extends Error {
  readonly code = 'too_many_tasks';
  constructor(desired: number, options?: { cause?: unknown }) {
    super(
      `desiredCount ${desired} refused: at most ${MAX_TASKS_WITHOUT_SHARED_HUB} task while the Mercure hub has no shared transport ` +
      '(each task has its own hub, so subscribers on one task would miss updates published on another)',
      options,
    );
    this.name = 'TooManyTasksError';
  }
}

export interface EcsServiceProps {
  /** Name of the service (deploy.sh and the deploy role address it by name). */
  readonly serviceName: string;
  /** Ecs outputs: the cluster and the first task definition revision. */
  readonly clusterArn: string;
  readonly taskDefinitionArn: string;
  /** Network output: subnets of the task (private). */
  readonly privateSubnetIds: string[];
  /** Security output: the task's group. */
  readonly taskSecurityGroupId: string;
  /** Alb outputs: where the app and the hub register. */
  readonly appTargetGroupArn: string;
  readonly hubTargetGroupArn: string;
  /** Alb output: the listener and rule that forward to the target groups; the service is created after them. */
  readonly routing: ITerraformDependable[];
  /** 0 (paused, and before the first deploy) or 1. Default `1`; more fails synth. */
  readonly desiredCount?: number;
  /** Seconds before ALB health checks count after a start. Default `90`. */
  readonly healthCheckGracePeriodSeconds?: number;
}

/** Outputs of the ecs-service module. */
export interface EcsServiceOutputs {
  readonly serviceName: string;
}

export class HomeAgentService extends Construct implements EcsServiceOutputs {
  readonly serviceName: string;

  constructor(scope: Construct, id: string, props: EcsServiceProps) {
    super(scope, id);
    const desired = props.desiredCount ?? 1;
    // A construct validation, so that `synth` fails whatever path the number came by.
    this.node.addValidation({
      validate: () => (desired > MAX_TASKS_WITHOUT_SHARED_HUB || desired < 0 || !Number.isInteger(desired) ? [new TooManyTasksError(desired).message] : []),
    });
    const service = new EcsService(this, 'service', {
      name: props.serviceName,
      cluster: props.clusterArn,
      taskDefinition: props.taskDefinitionArn,
      desiredCount: desired,
      launchType: 'FARGATE',
      platformVersion: 'LATEST',
      networkConfiguration: { subnets: props.privateSubnetIds, securityGroups: [props.taskSecurityGroupId], assignPublicIp: false },
      loadBalancer: [
        { targetGroupArn: props.appTargetGroupArn, containerName: 'app', containerPort: PORTS.app },
        { targetGroupArn: props.hubTargetGroupArn, containerName: 'mercure', containerPort: PORTS.mercure },
      ],
      healthCheckGracePeriodSeconds: props.healthCheckGracePeriodSeconds ?? 90,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      // Never two tasks (two hubs) at once, not even during a deployment.
      deploymentMaximumPercent: 100,
      deploymentMinimumHealthyPercent: 0,
      enableExecuteCommand: false,
      enableEcsManagedTags: true,
      propagateTags: 'SERVICE',
      waitForSteadyState: false,
      // deploy.sh registers new revisions and rolls the service without Terraform.
      lifecycle: { ignoreChanges: ['task_definition'] },
      // Without it a first apply can create the service before the HTTPS listener (which waits for
      // ACM) and fail with "target group … does not have an associated load balancer".
      dependsOn: props.routing,
    });
    this.serviceName = service.name;
  }
}
