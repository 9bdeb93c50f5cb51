/**
 * What a reply sends to Bedrock: the one place a ConverseStream request is
 * put together, so every field a model may take (or refuse) is decided here.
 */
import type { ConverseStreamCommandInput, Message as BedrockMessage } from '@aws-sdk/client-bedrock-runtime';
import { MAX_OUTPUT_TOKENS } from './conversation-context.js';

export interface BedrockRequestParts {
  model: string;
  systemPrompt: string;
  context: BedrockMessage[];
  /** lowered to fit the person's budget (budget.ts fitReply); the model's maximum when absent */
  maxOutputTokens?: number;
}

export function buildConverseRequest(parts: BedrockRequestParts): ConverseStreamCommandInput {
  return {
    modelId: parts.model,
    system: [{ text: parts.systemPrompt }],
    messages: parts.context,
    inferenceConfig: { maxTokens: parts.maxOutputTokens ?? MAX_OUTPUT_TOKENS },
  };
}
