import { describe, expect, it } from 'vitest';
import { ApiError } from '../problem.js';
import { classifyStoreError, problemForError } from './errors.js';

const coded = (code: string, message = 'failed') => Object.assign(new Error(message), { code });

describe('classifyStoreError', () => {
  it.each([
    'SQLITE_BUSY',
    'SQLITE_BUSY_SNAPSHOT',
    'SQLITE_LOCKED',
    'SQLITE_FULL',
    'SQLITE_IOERR',
    'SQLITE_IOERR_WRITE',
    'SQLITE_CANTOPEN',
    'SQLITE_READONLY',
    'SQLITE_READONLY_DBMOVED',
  ])('SQLite %s is transient', (code) => {
    expect(classifyStoreError(coded(code))).toBe('transient');
  });

  it.each([
    'SQLITE_ERROR',
    'SQLITE_CONSTRAINT_UNIQUE',
    'SQLITE_CONSTRAINT_TRIGGER',
    'SQLITE_MISMATCH',
    'SQLITE_CORRUPT',
    'SQLITE_MISUSE',
  ])('SQLite %s is permanent', (code) => {
    expect(classifyStoreError(coded(code))).toBe('permanent');
  });

  it.each([
    ['08006', 'connection_failure'],
    ['08001', 'sqlclient_unable_to_establish_sqlconnection'],
    ['40001', 'serialization_failure'],
    ['40P01', 'deadlock_detected'],
    ['53100', 'disk_full'],
    ['53300', 'too_many_connections'],
    ['55P03', 'lock_not_available'],
    ['57014', 'query_canceled'],
    ['57P01', 'admin_shutdown'],
    ['57P02', 'crash_shutdown'],
    ['57P03', 'cannot_connect_now'],
    ['25006', 'read_only_sql_transaction'],
  ])('PostgreSQL %s (%s) is transient', (code) => {
    expect(classifyStoreError(coded(code))).toBe('transient');
  });

  it.each([
    ['42703', 'undefined_column'],
    ['42601', 'syntax_error'],
    ['42P01', 'undefined_table'],
    ['23505', 'unique_violation'],
    ['23514', 'check_violation'],
    ['22P02', 'invalid_text_representation'],
    ['XX000', 'internal_error'],
    ['40002', 'transaction_integrity_constraint_violation'],
  ])('PostgreSQL %s (%s) is permanent', (code) => {
    expect(classifyStoreError(coded(code))).toBe('permanent');
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'EAI_AGAIN'])(
    'the network failure %s is transient',
    (code) => {
      expect(classifyStoreError(coded(code))).toBe('transient');
    },
  );

  it.each([
    'Connection terminated unexpectedly',
    'Connection terminated due to connection timeout',
    'timeout exceeded when trying to connect',
    'Client has encountered a connection error and is not queryable',
    'Cannot use a pool after calling end on the pool',
    'The database connection is not open',
  ])('the driver failure "%s" is transient', (message) => {
    expect(classifyStoreError(new Error(message))).toBe('transient');
  });

  it('finds a transient failure behind a wrapper or among the attempts of an AggregateError', () => {
    expect(classifyStoreError(new Error('write failed', { cause: coded('SQLITE_FULL') }))).toBe('transient');
    expect(
      classifyStoreError(new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')], 'connect')),
    ).toBe('transient');
  });

  it('calls anything else permanent: our own bugs, odd values, a cause cycle', () => {
    expect(classifyStoreError(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBe(
      'permanent',
    );
    expect(classifyStoreError(new Error('disk I/O error'))).toBe('permanent');
    expect(classifyStoreError(undefined)).toBe('permanent');
    expect(classifyStoreError('SQLITE_BUSY')).toBe('permanent');
    expect(classifyStoreError({ code: 57014 })).toBe('permanent');
    const looped = new Error('looped');
    (looped as { cause?: unknown }).cause = looped;
    expect(classifyStoreError(looped)).toBe('permanent');
  });
});

describe('problemForError', () => {
  it('answers a transient failure 503 store_unavailable with Retry-After, keeping the cause', () => {
    const cause = coded('SQLITE_BUSY', 'database is locked');
    const problem = problemForError(cause);
    expect([problem.status, problem.code, problem.headers]).toEqual([
      503,
      'store_unavailable',
      { 'retry-after': '1' },
    ]);
    expect(problem.cause).toBe(cause);
    expect(problem.message).not.toContain('database is locked');
  });

  it('answers a permanent one 500 internal_error without Retry-After, telling clients not to retry, keeping the cause', () => {
    const cause = coded('42703', 'column "resolution_metadata" does not exist');
    const problem = problemForError(cause, { permanent: 'Refused.' });
    expect([problem.status, problem.code, problem.headers, problem.message]).toEqual([
      500,
      'internal_error',
      { 'x-should-retry': 'false' },
      'Refused.',
    ]);
    expect(problem.cause).toBe(cause);
  });

  it('passes an ApiError through unchanged', () => {
    const error = new ApiError(409, 'outcome_expired', 'Expired.');
    expect(problemForError(error)).toBe(error);
  });
});
