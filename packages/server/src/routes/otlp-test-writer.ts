// Test support: OTLP protobuf written by hand, field by field, with upstream's field numbers, for
// bodies the OTel serializers will not produce (bad UTF-8, huge arrays, resource after spans).
import type protobuf from 'protobufjs/light.js';

/**
 * A `KeyValue` as field `field` of the message being written (9: a span's attributes, 1: a
 * resource's): a string value (`Uint8Array`: its raw bytes, which may be bad UTF-8) or an int.
 */
export function writeKeyValue(
  writer: protobuf.Writer,
  field: number,
  key: string,
  value: string | number | Uint8Array,
): void {
  writer.uint32((field << 3) | 2).fork();
  writer.uint32(10).string(key);
  writer.uint32(18).fork();
  if (typeof value === 'number') writer.uint32(24).int64(value);
  else if (typeof value === 'string') writer.uint32(10).string(value);
  else writer.uint32(10).bytes(value);
  writer.ldelim();
  writer.ldelim();
}
