/**
 * waf (phase 5): a regional web ACL on the ALB with the AWS common, known-bad
 * inputs and IP reputation rule groups and a per-IP rate limit, logging to
 * an `aws-waf-logs-` group with credentials redacted.
 *
 * Chat messages: the managed body rules read a request body as an attack
 * when it is long (SizeRestrictions_BODY, over 8 KB), looks like HTML
 * (CrossSiteScripting_BODY), or mentions `../../etc/passwd`, a URL,
 * `169.254.169.254` or `${jndi:` (GenericLFI/GenericRFI/EC2MetaDataSSRF,
 * Log4JRCE, JavaDeserializationRCE) — all ordinary in a question about code.
 * Those rules are set to count, which still labels the request, and our own
 * rule right after both groups blocks a labelled request unless it is a POST
 * to the message-send route. There the text is stored and escaped, never
 * run, fetched or logged by Java; everywhere else the rules block as before.
 */
import { Construct } from 'constructs';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js';
import { Wafv2WebAcl, type Wafv2WebAclRule } from '@cdktf/provider-aws/lib/wafv2-web-acl/index.js';
import { Wafv2WebAclAssociation } from '@cdktf/provider-aws/lib/wafv2-web-acl-association/index.js';
import { Wafv2WebAclLoggingConfiguration } from '@cdktf/provider-aws/lib/wafv2-web-acl-logging-configuration/index.js';

/**
 * Body rules that a person's chat message trips, per managed group, with the
 * label each adds (AWS WAF Developer Guide, "Baseline rule groups" and
 * "Known bad inputs", checked 2026-12-01). Counted, then re-blocked outside
 * the message-send route.
 */
export const CHAT_BODY_RULES = {
  AWSManagedRulesCommonRuleSet: {
    SizeRestrictions_BODY: 'awswaf:managed:aws:core-rule-set:SizeRestrictions_Body',
    CrossSiteScripting_BODY: 'awswaf:managed:aws:core-rule-set:CrossSiteScripting_Body',
    GenericLFI_BODY: 'awswaf:managed:aws:core-rule-set:GenericLFI_Body',
    GenericRFI_BODY: 'awswaf:managed:aws:core-rule-set:GenericRFI_Body',
    EC2MetaDataSSRF_BODY: 'awswaf:managed:aws:core-rule-set:EC2MetaDataSSRF_Body',
  },
  AWSManagedRulesKnownBadInputsRuleSet: {
    Log4JRCE_BODY: 'awswaf:managed:aws:known-bad-inputs:Log4JRCE_Body',
    JavaDeserializationRCE_BODY: 'awswaf:managed:aws:known-bad-inputs:JavaDeserializationRCE_Body',
  },
} as const;
const CHAT_BODY_LABELS = Object.values(CHAT_BODY_RULES).flatMap((rules) => Object.values(rules));

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
  /** The WebACL dimension of the WAF metrics. */
  readonly webAclName: string;
}

// `statement` is untyped in the provider bindings (too deeply nested to
// generate), so cdktf passes it through as is: its keys are written in
// Terraform's snake_case here, unlike the typed fields around it.

const visibility = (metricName: string) => ({ cloudwatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true });

function managedGroup(name: string, priority: number, countRules: readonly string[] = Object.keys((CHAT_BODY_RULES as Record<string, object>)[name] ?? {})): Wafv2WebAclRule {
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
  readonly webAclName: string;

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
      managedGroup('AWSManagedRulesCommonRuleSet', 40),
      // After both groups, so that every label exists by then.
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
    this.webAclName = acl.name;
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
