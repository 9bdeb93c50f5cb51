/**
 * What a person reads when a Bedrock call fails: one plain sentence per
 * failure, never an exception name or a status code.
 */

/** A sentence a person understands for each Bedrock failure. */
export function describeBedrockError(error: unknown): string {
  switch ((error as { name?: string } | null)?.name) {
    case 'ThrottlingException':
      return 'Claude is receiving too many requests right now. Please wait a minute and try again.';
    case 'ValidationException':
      return 'Claude could not accept this request: the conversation may be too long, or the model is not available. Try starting a new conversation, or ask an admin.';
    case 'AccessDeniedException':
      return 'This installation is not allowed to use the model yet. An admin needs to enable model access in Amazon Bedrock.';
    case 'ServiceUnavailableException':
    case 'ModelNotReadyException':
      return 'Claude is unavailable right now. Please try again in a few minutes.';
    case 'ModelTimeoutException':
      return 'Claude took too long to answer. Please try again.';
    default:
      return 'Claude ran into a problem while answering. Please try again.';
  }
}

/** What a person sees when the household's guardrail blocked their message. */
export const BLOCKED_MESSAGE = "This message was blocked by your household's safety settings.";

const errorName = (error: unknown) => (error as { name?: string } | null)?.name;

/**
 * True when Bedrock refused the request itself: sending the same text again
 * fails the same way, so that user message leaves the context.
 */
export function isFinalRefusal(error: unknown): boolean {
  return errorName(error) === 'ValidationException';
}

/** True when the account may not use the model (no access, no Marketplace subscription, a policy): an admin's matter. */
export function isAccessRefusal(error: unknown): boolean {
  return errorName(error) === 'AccessDeniedException';
}
