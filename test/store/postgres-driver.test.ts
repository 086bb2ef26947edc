/** The PostgreSQL driver's pure parts (no server needed): placeholders and description. */
import { describe, expect, it } from 'vitest';
import { createPostgresDriver, toPostgresPlaceholders } from '../../src/store/postgres-driver.js';

describe('toPostgresPlaceholders', () => {
  it('numbers ? placeholders in order', () => {
    expect(toPostgresPlaceholders('UPDATE t SET a = ?, b = ? WHERE id = ? AND (x IS NULL OR x < ?)')).toEqual({
      text: 'UPDATE t SET a = $1, b = $2 WHERE id = $3 AND (x IS NULL OR x < $4)',
      count: 4,
    });
    expect(toPostgresPlaceholders('SELECT 1')).toEqual({ text: 'SELECT 1', count: 0 });
  });

  it('leaves ? inside literals, quoted identifiers, dollar quotes and comments alone', () => {
    const sql = [
      "SELECT 'a?b', 'it''s ?', ?",
      `"col?" = ?`,
      "E'x\\' ?' = ?",
      '$$ body ? $$, $fn$ ? $fn$, ?',
      '-- comment ?',
      '/* block ? /* nested ? */ still ? */ ?',
    ].join('\n');
    const { text, count } = toPostgresPlaceholders(sql);
    expect(count).toBe(5);
    expect(text).toBe(
      [
        "SELECT 'a?b', 'it''s ?', $1",
        `"col?" = $2`,
        "E'x\\' ?' = $3",
        '$$ body ? $$, $fn$ ? $fn$, $4',
        '-- comment ?',
        '/* block ? /* nested ? */ still ? */ $5',
      ].join('\n'),
    );
  });

  it('does not take a positional parameter or identifier with $ for a dollar quote', () => {
    expect(toPostgresPlaceholders('SELECT a$b, $1, ?')).toEqual({ text: 'SELECT a$b, $1, $1', count: 1 });
  });
});

describe('createPostgresDriver (without connecting)', () => {
  it('describes the location without credentials', async () => {
    const db = createPostgresDriver('postgres://app:s3cret@db.example.internal:6543/support?sslmode=disable');
    expect(db.dialect).toBe('postgres');
    expect(db.description).toBe('postgres (db.example.internal:6543/support)');
    await db.close();
  });

  it('refuses a parameter count that does not match the placeholders', async () => {
    const db = createPostgresDriver('postgres://app@127.0.0.1:1/none');
    await expect(db.all('SELECT ?, ?', [1])).rejects.toThrow(/2 placeholder\(s\) but 1 parameter/);
    await db.close();
  });
});
