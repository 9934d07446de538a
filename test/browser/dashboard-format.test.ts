import { describe, expect, it } from 'vitest';
import {
  bonusesByAction,
  compareDecimal,
  decimalToPercent,
  formatMoney,
  groupDigits,
  isMoneyInput,
  percentToDecimal,
} from '../../packages/server/src/dashboard/format.js';

describe('dashboard formatting (strings in, strings out: never a float)', () => {
  it('spells exact decimals as money, keeping every significant digit', () => {
    expect(formatMoney('1234567.5', 'USD')).toBe('$1,234,567.50');
    expect(formatMoney('0.008400000000', 'USD')).toBe('$0.0084');
    expect(formatMoney('5.06666666666667', 'USD')).toBe('$5.06666666666667');
    expect(formatMoney('-12.30', 'EUR')).toBe('-€12.30');
    expect(formatMoney('99999999999999999.000000000001', 'USD')).toBe('$99,999,999,999,999,999.000000000001');
    expect(formatMoney('7.00', 'CHF')).toBe('CHF 7.00');
    expect(formatMoney('not money', 'USD')).toBe('not money');
    expect(groupDigits('1000')).toBe('1,000');
    expect(groupDigits('999')).toBe('999');
  });

  it('turns shares into percentages and back, exactly', () => {
    expect(decimalToPercent('0.15')).toBe('15%');
    expect(decimalToPercent('0.125')).toBe('12.5%');
    expect(decimalToPercent('1.00')).toBe('100%');
    expect(decimalToPercent('0.000000000001')).toBe('0.0000000001%');
    expect(percentToDecimal('15')).toBe('0.15');
    expect(percentToDecimal('12.5')).toBe('0.125');
    expect(percentToDecimal('100')).toBe('1');
    expect(percentToDecimal('100.0')).toBe('1');
    expect(percentToDecimal('0')).toBe('0');
    expect(percentToDecimal('5')).toBe('0.05');
    expect(percentToDecimal('33.3333333333')).toBe('0.333333333333');
    for (const bad of ['100.5', '101', '-1', '1e2', '', 'abc', '1.12345678901'])
      expect([bad, percentToDecimal(bad)]).toEqual([bad, null]);
  });

  it('compares decimals exactly, where floats would call them equal', () => {
    expect(compareDecimal('0.300000000001', '0.3')).toBe(1);
    expect(compareDecimal('10000000000000000.01', '10000000000000000.02')).toBe(-1);
    expect(compareDecimal('2.50', '2.5')).toBe(0);
    expect(compareDecimal('-1.5', '-1.25')).toBe(-1);
    expect(compareDecimal('-0.00', '0')).toBe(0);
    expect(compareDecimal('9.99', '10.00')).toBe(-1);
  });

  it('accepts money input only in the API form', () => {
    for (const good of ['0', '0.05', '1234567890.123456789012']) expect(isMoneyInput(good)).toBe(true);
    for (const bad of ['', '.5', '1.', '-1', '1e3', '0.1234567890123', '12345678901', '1,5'])
      expect([bad, isMoneyInput(bad)]).toEqual([bad, false]);
  });

  it('collects bonus rows by action name, whatever the name: __proto__, constructor and toString included', () => {
    const { byAction, invalid } = bonusesByAction([
      ['__proto__', '5.00'],
      ['constructor', '1.00'],
      [' toString ', '2.50'],
      ['meeting.booked', '20.00'],
      ['meeting.booked', '3.00'],
      ['', '1.00'],
      ['lead', '1e3'],
    ]);
    expect(JSON.parse(JSON.stringify(byAction))).toEqual(
      JSON.parse('{"__proto__":"5.00","constructor":"1.00","toString":"2.50","meeting.booked":"20.00"}'),
    );
    expect(Object.keys(byAction)).toEqual(['__proto__', 'constructor', 'toString', 'meeting.booked']);
    expect([...invalid]).toEqual([4, 5, 6]);
  });
});
