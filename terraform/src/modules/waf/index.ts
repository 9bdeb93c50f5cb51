/**
 * waf (phase 5): a regional web ACL on the ALB with the AWS common, known-bad
 * inputs and IP reputation rule groups and a per-IP rate limit, logging to
 * an `aws-waf-logs-` group with credentials redacted.
 *
 * Long chat messages: the common rule set blocks bodies over 8 KB
 * (SizeRestrictions_BODY) and HTML-looking bodies (CrossSiteScripting_BODY),
 * and a chat message can be 16,000 characters of code. Both rules are set to
 * count, which still labels the request, and our own rule right after blocks
 * a labelled request unless it is a POST to the chat message path. There
 * the app enforces its own body limit and escapes every message.
 */
import { Construct } from 'constructs';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js';
import { Wafv2WebAcl, type Wafv2WebAclRule } from '@cdktf/provider-aws/lib/wafv2-web-acl/index.js';
import { Wafv2WebAclAssociation } from '@cdktf/provider-aws/lib/wafv2-web-acl-association/index.js';
import { Wafv2WebAclLoggingConfiguration } from '@cdktf/provider-aws/lib/wafv2-web-acl-logging-configuration/index.js';

/** Rules of the common rule set that chat messages trip; counted, then re-blocked outside the chat paths. */
export const CHAT_BODY_RULES = ['SizeRestrictions_BODY', 'CrossSiteScripting_BODY'] as const;
const CHAT_BODY_LABELS = ['awswaf:managed:aws:core-rule-set:SizeRestrictions_Body', 'awswaf:managed:aws:core-rule-set:CrossSiteScripting_Body'];

export interface WafProps {
  /** Prefix of resource names. */
  readonly namePrefix: string;
  /** Alb output: the load balancer to protect. */
  readonly albArn: string;
  /** Requests per 5 minutes from one IP before it is blocked. Default `2000`. */
  readonly rateLimit?: number;
  /** Anchored path patterns where POST bodies may be large or HTML-looking. Default `['^/c/[^/]+/messages$']`. */
  readonly chatPathPatterns?: string[];
  /** Retention of the WAF log group in days. Default `30`. */
  readonly logRetentionDays?: number;
}

/** Outputs of the waf module. */
export interface WafOutputs {
  readonly webAclArn: string;
}

// `statement` is untyped in the provider bindings (too deeply nested to
// generate), so cdktf passes it through as is: its keys are written in
// Terraform's snake_case here, unlike the typed fields around it.

const visibility = (metricName: string) => ({ cloudwatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true });

function managedGroup(name: string, priority: number, countRules: readonly string[] = []): Wafv2WebAclRule {
  return {
    name,
    priority,
    overrideAction: { none: {} },
    statement: {
      managed_rule_group_statement: {
        vendor_name: 'AWS',
        name,
        ...(countRules.length > 0 ? { rule_action_override: countRules.map((rule) => ({ name: rule, action_to_use: { count: {} } })) } : {}),
      },
    },
    visibilityConfig: visibility(name),
  };
}

export class Waf extends Construct implements WafOutputs {
  readonly webAclArn: string;

  constructor(scope: Construct, id: string, props: WafProps) {
    super(scope, id);
    const patterns = props.chatPathPatterns ?? ['^/c/[^/]+/messages$'];
    const labelled = { or_statement: { statement: CHAT_BODY_LABELS.map((key) => ({ label_match_statement: { scope: 'LABEL', key } })) } };
    // Blocked = labelled AND NOT (POST to a chat path): one rule, since WAF bills per rule.
    const isPost = { byte_match_statement: { field_to_match: { method: {} }, positional_constraint: 'EXACTLY', search_string: 'POST', text_transformation: [{ priority: 0, type: 'NONE' }] } };
    const isChatPath = {
      regex_match_statement: {
        field_to_match: { uri_path: {} },
        regex_string: patterns.length === 1 ? patterns[0]! : patterns.map((p) => `(?:${p})`).join('|'),
        text_transformation: [{ priority: 0, type: 'NONE' }],
      },
    };
    const blockLabelledUnless = (name: string, priority: number, allowed: object): Wafv2WebAclRule => ({
      name,
      priority,
      action: { block: {} },
      statement: { and_statement: { statement: [labelled, { not_statement: { statement: [allowed] } }] } },
      visibilityConfig: visibility(name),
    });
    const rules: Wafv2WebAclRule[] = [
      managedGroup('AWSManagedRulesAmazonIpReputationList', 10),
      {
        name: 'rate-limit-per-ip',
        priority: 20,
        action: { block: {} },
        statement: { rate_based_statement: { limit: props.rateLimit ?? 2000, aggregate_key_type: 'IP', evaluation_window_sec: 300 } },
        visibilityConfig: visibility('rate-limit-per-ip'),
      },
      managedGroup('AWSManagedRulesKnownBadInputsRuleSet', 30),
      managedGroup('AWSManagedRulesCommonRuleSet', 40, CHAT_BODY_RULES),
      blockLabelledUnless('chat-body-rules-outside-chat-posts', 50, { and_statement: { statement: [isPost, isChatPath] } }),
    ];
    const acl = new Wafv2WebAcl(this, 'web-acl', {
      name: props.namePrefix,
      description: 'HomeAgent: AWS managed rules, IP reputation, per-IP rate limit',
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      rule: rules,
      visibilityConfig: visibility(`${props.namePrefix}-web-acl`),
    });
    this.webAclArn = acl.arn;
    new Wafv2WebAclAssociation(this, 'alb-association', { resourceArn: props.albArn, webAclArn: acl.arn });

    // WAF only logs to groups whose name starts with aws-waf-logs-.
    const logs = new CloudwatchLogGroup(this, 'logs', { name: `aws-waf-logs-${props.namePrefix}`, retentionInDays: props.logRetentionDays ?? 30 });
    new Wafv2WebAclLoggingConfiguration(this, 'logging', {
      resourceArn: acl.arn,
      logDestinationConfigs: [logs.arn],
      // Session cookies and bearer keys never reach the logs.
      redactedFields: [{ singleHeader: { name: 'cookie' } }, { singleHeader: { name: 'authorization' } }],
    });
  }
}
