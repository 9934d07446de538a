import type { Tier } from '@agentmeter/client';
import { groupDigits } from './decimal.js';

const isZero = (value: string) => /^-?0+(\.0+)?$/.test(value);

function unitName(unit: number): string {
  return unit === 1000000 ? '1M' : '1K';
}

/** A tier in one line, from its exact strings: `USD 0.01 per call + 5.00 per success`. */
export function summarizeTier(tier: Tier): string {
  const parts: string[] = [];
  const unit = unitName(tier.token_unit);
  if (!isZero(tier.base_fee)) parts.push(`${groupDigits(tier.base_fee)} per call`);
  const input = tier.token_rate_input;
  const output = tier.token_rate_output;
  if (input === output && !isZero(input)) parts.push(`${groupDigits(input)} per ${unit} tokens`);
  else {
    if (!isZero(input)) parts.push(`${groupDigits(input)} per ${unit} input tokens`);
    if (!isZero(output)) parts.push(`${groupDigits(output)} per ${unit} output tokens`);
  }
  if (tier.token_rate_cached_input !== input)
    parts.push(`${groupDigits(tier.token_rate_cached_input)} per ${unit} cached input tokens`);
  if (tier.token_rate_cache_write !== input)
    parts.push(`${groupDigits(tier.token_rate_cache_write)} per ${unit} cache-write tokens`);
  // Present only when the tier gives them a rate of their own (see the Tier schema).
  if (tier.token_rate_cache_write_1h !== undefined)
    parts.push(`${groupDigits(tier.token_rate_cache_write_1h)} per ${unit} 1-hour cache-write tokens`);
  if (tier.token_rate_audio_input !== undefined)
    parts.push(`${groupDigits(tier.token_rate_audio_input)} per ${unit} audio input tokens`);
  if (tier.token_rate_audio_output !== undefined)
    parts.push(`${groupDigits(tier.token_rate_audio_output)} per ${unit} audio output tokens`);
  if (tier.web_search_request_fee !== undefined)
    parts.push(`${groupDigits(tier.web_search_request_fee)} per web search`);
  if (!isZero(tier.outcome_bonus)) parts.push(`${groupDigits(tier.outcome_bonus)} per success`);
  for (const [action, bonus] of Object.entries(tier.outcome_bonus_by_action))
    parts.push(`${groupDigits(bonus)} per ${action} success`);
  return parts.length === 0
    ? `${tier.currency} nothing (every component is zero)`
    : `${tier.currency} ${parts.join(' + ')}`;
}
