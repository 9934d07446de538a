import type { NormalizedUsage } from '@agentmeter/sdk/integration';

/** One chat call's usage as a layer hands it to `recordUsage`: 1,200 in, 300 out, `extra` on top. */
export const chatUsage = (
  responseId: string | undefined,
  extra: Partial<NormalizedUsage> = {},
): NormalizedUsage => ({
  provider: 'openai',
  operation: 'chat',
  responseId,
  inputTokens: 1200,
  outputTokens: 300,
  cachedInputTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
  complete: true,
  streamed: false,
  ...extra,
});
