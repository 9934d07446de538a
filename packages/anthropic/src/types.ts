import type { CaptureContentOption, WrapperOptions } from '@agentmeter/sdk/integration';

/**
 * Options of `withMeter(client, meter, options)`: the options every agentmeter integration takes
 * (`WrapperOptions`, documented there) and `captureContent`. Attribution given here is the
 * client's default; a surrounding `meter.withContext({...})` wins for the calls inside it. Any
 * other key is refused with an `AnthropicMeterError` (`invalid_option`).
 */
export interface WithMeterOptions extends WrapperOptions, CaptureContentOption {}
