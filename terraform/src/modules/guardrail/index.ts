/**
 * guardrail (phase 1, optional): a Bedrock guardrail for the household, with
 * the content filters and denied topics of the config, and a numbered
 * version of it. An admin attaches it to a person (e.g. a child's account)
 * in the app; the agent then sends it as `guardrailConfig`, and the task
 * role may apply only this guardrail and the ones the config lists.
 * (Amazon Bedrock User Guide: guardrails-components and guardrails-permissions,
 * checked 2026-12-01.)
 */
import { Construct } from 'constructs';
import { BedrockGuardrail } from '@cdktf/provider-aws/lib/bedrock-guardrail/index.js';
import { BedrockGuardrailVersion } from '@cdktf/provider-aws/lib/bedrock-guardrail-version/index.js';
import type { GuardrailConfig } from '../../config.js';

export interface GuardrailProps {
  /** Prefix of the guardrail name. */
  readonly namePrefix: string;
  /** Filters, topics and the message shown instead of a blocked prompt or reply. */
  readonly config: GuardrailConfig;
}

/** Outputs of the guardrail module. */
export interface GuardrailOutputs {
  readonly guardrailArn: string;
  readonly guardrailId: string;
  /** The numbered version (not DRAFT) the agent should name. */
  readonly guardrailVersion: string;
}

export class Guardrail extends Construct implements GuardrailOutputs {
  readonly guardrailArn: string;
  readonly guardrailId: string;
  readonly guardrailVersion: string;

  constructor(scope: Construct, id: string, props: GuardrailProps) {
    super(scope, id);
    const c = props.config;
    type Strength = NonNullable<(typeof c.contentFilters)[keyof typeof c.contentFilters]>;
    // The value type is named: inferred, it would drop the `undefined` of a category left out.
    const filters = Object.entries<Strength | undefined>(c.contentFilters).filter((entry): entry is [string, Strength] => entry[1] !== undefined && entry[1] !== 'NONE');
    const guardrail = new BedrockGuardrail(this, 'guardrail', {
      name: `${props.namePrefix}-household`,
      description: 'HomeAgent household safety settings',
      blockedInputMessaging: c.blockedMessage,
      blockedOutputsMessaging: c.blockedMessage,
      ...(filters.length > 0 ? {
        contentPolicyConfig: [{
          filtersConfig: filters.map(([type, strength]) => ({
            type,
            inputStrength: strength,
            // Prompt attacks exist only in prompts: Bedrock requires NONE for the output side.
            outputStrength: type === 'PROMPT_ATTACK' ? 'NONE' : strength,
          })),
        }],
      } : {}),
      ...(c.deniedTopics.length > 0 ? {
        topicPolicyConfig: [{
          topicsConfig: c.deniedTopics.map((t) => ({ name: t.name, definition: t.definition, examples: t.examples, type: 'DENY' })),
        }],
      } : {}),
    });
    const version = new BedrockGuardrailVersion(this, 'version', {
      guardrailArn: guardrail.guardrailArn,
      description: 'applied by the agent',
      // Old versions stay, so a person attached to one keeps working after a change.
      skipDestroy: true,
    });
    this.guardrailArn = guardrail.guardrailArn;
    this.guardrailId = guardrail.guardrailId;
    this.guardrailVersion = version.version;
  }
}
