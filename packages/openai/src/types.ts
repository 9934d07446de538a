import type { CaptureContentOption, WrapperOptions } from '@agentmeter/sdk/integration';

/**
 * Options of `withMeter(client, meter, options)`: the options every agentmeter integration takes
 * (`WrapperOptions`, documented there), `captureContent`, and `streamUsage`. Attribution given here
 * is the client's default; a surrounding `meter.withContext({...})` wins for the calls inside it.
 * Any other key is refused with an `OpenAIMeterError` (`invalid_option`).
 */
export interface WithMeterOptions extends WrapperOptions, CaptureContentOption {
  /**
   * On streamed chat completions, ask for usage (`stream_options.include_usage`) when the caller did not,
   * and hide the extra usage-only chunk from the caller. A server that refuses the field with a 400 is
   * asked again without it and remembered, so there is no need to turn this off for it. When off,
   * streamed calls of servers that send usage only when asked are metered as `usage_missing` (no
   * tokens). Default: true.
   */
  streamUsage?: boolean;
}
