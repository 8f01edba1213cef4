import { strict as assert } from 'node:assert';
import { convertTzSql, isCalendarDatetime } from '../../../src/mysql/time-zone';

describe('--source-time-zone conversion SQL', () => {
  it('converts only real calendar dates (CONVERT_TZ warns on zero and invalid ones)', () => {
    for (const v of ['2021-06-01 12:00:00', '2024-02-29 00:00:00.5', '2000-02-29 23:59:59', '1000-01-01 00:00:00', '0001-12-31 00:00:00']) assert.ok(isCalendarDatetime(v), v);
    for (const v of ['0000-00-00 00:00:00', '2021-00-10 00:00:00', '2021-06-00 00:00:00', '2021-02-29 00:00:00', '1900-02-29 00:00:00', '2020-04-31 00:00:00', '2020-13-01 00:00:00']) {
      assert.ok(!isCalendarDatetime(v), v);
    }
  });

  it('falls back to the value itself, with the zones quoted', () => {
    assert.equal(convertTzSql("'2021-06-01 12:00:00'", 'America/New_York', '+00:00'),
      "COALESCE(CONVERT_TZ('2021-06-01 12:00:00', 'America/New_York', '+00:00'), '2021-06-01 12:00:00')");
    assert.equal(convertTzSql('`t`.`at`', '+00:00', "O'Brien\\"), "COALESCE(CONVERT_TZ(`t`.`at`, '+00:00', 'O\\'Brien\\\\'), `t`.`at`)");
  });
});
