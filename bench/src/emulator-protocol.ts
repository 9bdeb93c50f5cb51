/** Messages between the benchmark and its emulator-host child (emulator-host.ts). */
import type { EmittedReply } from '@homeagent/local/bedrock-emulator';

export type EmulatorParentMessage =
  | { type: 'start'; pace: { tokensPerSecond: number; firstTokenDelayMs: number } }
  | { type: 'emitted'; requestId: number; keys: string[] }
  | { type: 'clock'; requestId: number };

export type EmulatorHostMessage =
  | { type: 'ready'; url: string }
  | { type: 'failed'; message: string }
  | { type: 'emitted'; requestId: number; replies: Array<EmittedReply | null> }
  | { type: 'clock'; requestId: number; now: number };
