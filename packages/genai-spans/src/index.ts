export { BOUNDED_TEXT_ATTRIBUTES, RULE_ATTRIBUTES } from './attributes.js';
export { type NestingNode, NestingRule } from './nesting.js';
export type { SpanRole, SpanView } from './span.js';
export { hasUsage, isModelCall, nestingNodeOf, roleOf, type SpanUsage, usageOf } from './usage.js';
