import { strict as assert } from 'node:assert';
import {
  addGtid, emptyPosition, flavorOf, formatPosition, formatPositionWithFlavor, isEmptyPosition, parsePosition,
  positionAtLeast, positionEqual, type GtidPosition,
} from '../../../src/mysql/gtid';

const U1 = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
const U2 = 'a1b2c3d4-0000-1111-2222-333344445555';
const p = (t: string): GtidPosition => parsePosition(t);
const fmt = (t: string): string => formatPosition(parsePosition(t));

describe('GTID positions', () => {
  describe('flavorOf', () => {
    it('tells MariaDB from MySQL by the version string', () => {
      assert.equal(flavorOf('10.11.19-MariaDB-0+deb12u1-log'), 'MariaDB');
      assert.equal(flavorOf('5.5.5-10.11.6-MariaDB'), 'MariaDB');
      assert.equal(flavorOf('8.0.36'), 'MySQL56');
      assert.equal(flavorOf('8.4.5-log'), 'MySQL56');
    });
  });

  describe('MariaDB', () => {
    it('parses bare and prefixed positions and sorts domains', () => {
      assert.deepEqual(p('0-17400-12'), { flavor: 'MariaDB', gtids: [{ domain: 0, server: 17400, sequence: 12n }] });
      assert.deepEqual(p('MariaDB/1-2-3,0-1-5'), {
        flavor: 'MariaDB',
        gtids: [{ domain: 0, server: 1, sequence: 5n }, { domain: 1, server: 2, sequence: 3n }],
      });
      assert.equal(fmt('MariaDB/1-2-3,0-1-5'), '0-1-5,1-2-3');
      assert.equal(fmt(' 0-1-5 ,\n 1-2-3 '), '0-1-5,1-2-3');
    });

    it('keeps u64 sequences exact', () => {
      assert.equal(fmt('0-1-18446744073709551615'), '0-1-18446744073709551615');
      assert.equal(fmt('0-1-9007199254740993'), '0-1-9007199254740993');
      assert.throws(() => p('0-1-18446744073709551616'), /out of range/);
      assert.throws(() => p('4294967296-1-1'), /out of range/);
    });

    it('rejects malformed text and duplicate domains', () => {
      assert.throws(() => p('0-1'), /invalid MariaDB GTID '0-1'/);
      assert.throws(() => p('0-1-x'), /invalid MariaDB GTID/);
      assert.throws(() => p('0-1-5,0-2-6'), /more than one GTID for domain 0/);
      assert.throws(() => p('Foo/0-1-5'), /unknown GTID flavor prefix 'Foo'/);
      assert.throws(() => parsePosition('0-1-5', 'MySQL56'), /looks like a MariaDB GTID position but a MySQL56 one was expected/);
      assert.throws(() => parsePosition('MariaDB/0-1-5', 'MySQL56'), /is MariaDB but a MySQL56 position was expected/);
    });

    it('formats with the flavor prefix as _vt.vreplication.pos does', () => {
      assert.equal(formatPositionWithFlavor(p('0-17400-12')), 'MariaDB/0-17400-12');
      assert.equal(formatPositionWithFlavor(p('1-2-3,0-1-5')), 'MariaDB/0-1-5,1-2-3');
    });

    it('compares per domain by sequence', () => {
      const vectors: [string, string, boolean][] = [
        ['0-1-5', '0-1-5', true],
        ['0-1-6', '0-1-5', true],
        ['0-1-4', '0-1-5', false],
        ['0-1-5,1-2-3', '0-1-5', true],
        ['0-1-5', '0-1-5,1-2-3', false],
        ['0-1-5,1-2-3', '1-2-2', true],
        ['0-1-5,1-2-3', '0-1-6,1-2-1', false],
        ['0-1-5,1-2-3', '0-1-5,1-2-3', true],
        // A different server id in the same domain still compares by sequence (as Vitess does).
        ['0-9-7', '0-1-5', true],
        ['0-9-4', '0-1-5', false],
        ['0-1-18446744073709551615', '0-1-18446744073709551614', true],
        ['0-1-9007199254740992', '0-1-9007199254740993', false],
        ['', '0-1-1', false],
        ['0-1-1', '', true],
        ['', '', true],
      ];
      for (const [a, b, want] of vectors) assert.equal(positionAtLeast(p(a), p(b)), want, `${a} >= ${b}`);
    });

    it('adds GTIDs by overwriting the domain watermark', () => {
      let pos: GtidPosition = parsePosition('0-1-5');
      pos = addGtid(pos, '0-1-6');
      assert.equal(formatPosition(pos), '0-1-6');
      pos = addGtid(pos, '2-7-1');
      assert.equal(formatPosition(pos), '0-1-6,2-7-1');
      pos = addGtid(pos, '1-3-9');
      assert.equal(formatPosition(pos), '0-1-6,1-3-9,2-7-1');
      // After a failover the new primary's sequence may be lower: the last applied wins.
      pos = addGtid(pos, '0-2-3');
      assert.equal(formatPosition(pos), '0-2-3,1-3-9,2-7-1');
      assert.equal(formatPosition(addGtid(emptyPosition(), '0-1-1')), '0-1-1');
      assert.equal(formatPosition(addGtid(emptyPosition('MariaDB'), '0-1-1')), '0-1-1');
      assert.throws(() => addGtid(p(`${U1}:1-3`), '0-1-1'), /cannot add MariaDB GTID/);
      assert.throws(() => addGtid(pos, '0-1'), /invalid MariaDB GTID/);
    });

    it('does not mutate its input', () => {
      const before = p('0-1-5');
      addGtid(before, '0-1-6');
      assert.equal(formatPosition(before), '0-1-5');
    });
  });

  describe('MySQL', () => {
    it('parses sets, lower-cases uuids, sorts and merges intervals', () => {
      assert.equal(fmt(`${U1}:1-5:7-9,${U2}:1-3`), `${U1}:1-5:7-9,${U2}:1-3`);
      assert.equal(fmt(`MySQL56/${U2}:1-3,${U1.toUpperCase()}:7-9:1-5`), `${U1}:1-5:7-9,${U2}:1-3`);
      assert.equal(fmt(`${U1}:1-5:6-9`), `${U1}:1-9`);
      assert.equal(fmt(`${U1}:3:1-2:4`), `${U1}:1-4`);
      assert.equal(fmt(`${U1}:1-5:3-4:8`), `${U1}:1-5:8`);
      assert.equal(fmt(`${U1}:1-3,${U1}:4-6`), `${U1}:1-6`);
      // gtid_executed as the server prints it: newline after each comma.
      assert.equal(fmt(`${U1}:1-5,\n${U2}:1-3`), `${U1}:1-5,${U2}:1-3`);
      assert.equal(fmt(`${U1.replace(/-/g, '')}:1`), `${U1}:1`);
      assert.equal(fmt(`${U1}:9223372036854775807`), `${U1}:9223372036854775807`);
    });

    it('rejects malformed sets', () => {
      assert.throws(() => p(`${U1}`.replace(/-/g, 'x') + ':1'), /invalid server uuid/);
      assert.throws(() => p(`${U1}:5-3`), /invalid interval '5-3'/);
      assert.throws(() => p(`${U1}:0`), /out of range/);
      assert.throws(() => p(`${U1}:9223372036854775808`), /out of range/);
      assert.throws(() => p(`${U1}:tag_a:1`), /tagged GTIDs are not supported/);
      assert.throws(() => parsePosition(`${U1}:1`, 'MariaDB'), /looks like a MySQL56 GTID set but a MariaDB one was expected/);
    });

    it('formats with the MySQL56/ prefix', () => {
      assert.equal(formatPositionWithFlavor(p(`${U1}:1-29655`)), `MySQL56/${U1}:1-29655`);
    });

    it('compares as set inclusion, honouring gaps', () => {
      const vectors: [string, string, boolean][] = [
        [`${U1}:1-5`, `${U1}:1-5`, true],
        [`${U1}:1-9`, `${U1}:3-4`, true],
        [`${U1}:1-5:7-9`, `${U1}:1-5`, true],
        [`${U1}:1-5:7-9`, `${U1}:6`, false],
        [`${U1}:1-5:7-9`, `${U1}:5-7`, false],
        [`${U1}:1-5:7-9`, `${U1}:1-5:8`, true],
        [`${U1}:1-5`, `${U1}:1-5,${U2}:1`, false],
        [`${U1}:1-5,${U2}:1-3`, `${U2}:2`, true],
        [`${U1}:2-5`, `${U1}:1`, false],
        ['', `${U1}:1`, false],
        [`${U1}:1`, '', true],
      ];
      for (const [a, b, want] of vectors) assert.equal(positionAtLeast(p(a), p(b)), want, `${a} >= ${b}`);
    });

    it('adds gnos, merging neighbours and filling gaps', () => {
      let pos: GtidPosition = p(`${U1}:1-5:7-9`);
      pos = addGtid(pos, `${U1}:6`);
      assert.equal(formatPosition(pos), `${U1}:1-9`);
      pos = addGtid(pos, `${U1}:10`);
      assert.equal(formatPosition(pos), `${U1}:1-10`);
      pos = addGtid(pos, `${U1}:12`);
      assert.equal(formatPosition(pos), `${U1}:1-10:12`);
      pos = addGtid(pos, `${U1}:5`);
      assert.equal(formatPosition(pos), `${U1}:1-10:12`);
      pos = addGtid(pos, `${U2.toUpperCase()}:1`);
      assert.equal(formatPosition(pos), `${U1}:1-10:12,${U2}:1`);
      pos = addGtid(pos, `00000000-0000-0000-0000-000000000001:4`);
      assert.equal(formatPosition(pos), `00000000-0000-0000-0000-000000000001:4,${U1}:1-10:12,${U2}:1`);
      assert.equal(formatPosition(addGtid(emptyPosition(), `${U1}:1`)), `${U1}:1`);
      assert.equal(formatPosition(addGtid(p(`${U1}:3-5`), `${U1}:1`)), `${U1}:1:3-5`);
      assert.equal(formatPosition(addGtid(p(`${U1}:3-5`), `${U1}:2`)), `${U1}:2-5`);
      assert.throws(() => addGtid(p('0-1-1'), `${U1}:1`), /cannot add MySQL GTID/);
    });
  });

  describe('empty positions', () => {
    it('parse from empty text, with or without a flavor', () => {
      assert.deepEqual(p(''), { flavor: null });
      assert.deepEqual(parsePosition('', 'MariaDB'), { flavor: 'MariaDB', gtids: [] });
      assert.deepEqual(parsePosition('MySQL56/'), { flavor: 'MySQL56', sets: [] });
      assert.ok(isEmptyPosition(p('')));
      assert.ok(isEmptyPosition(p('MariaDB/')));
      assert.ok(!isEmptyPosition(p('0-1-1')));
    });

    it('format as the empty string', () => {
      assert.equal(formatPosition(p('')), '');
      assert.equal(formatPositionWithFlavor(p('')), '');
      assert.equal(formatPositionWithFlavor(p('MariaDB/')), '');
    });
  });

  describe('positionEqual', () => {
    it('compares canonical forms', () => {
      assert.ok(positionEqual(p('1-2-3,0-1-5'), p('MariaDB/0-1-5,1-2-3')));
      assert.ok(!positionEqual(p('0-1-5'), p('0-2-5')));
      assert.ok(positionEqual(p(`${U1}:1-3:4-5`), p(`MySQL56/${U1.toUpperCase()}:1-5`)));
      assert.ok(!positionEqual(p(`${U1}:1-5`), p(`${U1}:1-6`)));
      assert.ok(positionEqual(p(''), p('MariaDB/')));
      assert.ok(!positionEqual(p(''), p('0-1-1')));
      assert.ok(!positionEqual(p('0-1-1'), p(`${U1}:1`)));
    });

    it('refuses to order positions of different flavors', () => {
      assert.throws(() => positionAtLeast(p('0-1-1'), p(`${U1}:1`)), /cannot compare a MariaDB position \(0-1-1\) with a MySQL56 one/);
    });
  });
});
