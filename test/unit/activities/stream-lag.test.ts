// streamLagSeconds: what status shows as a stream's VStream Lag.
import { strict as assert } from 'node:assert';
import { streamLagSeconds } from '../../../src/activities/stream-lag';

const NOW = Date.UTC(2026, 11, 3, 12, 0, 0);
const secondsAgo = (n: number) => NOW / 1000 - n;

describe('streamLagSeconds', () => {
  it('is 0 while connected, caught up and with nothing queued', () => {
    assert.equal(streamLagSeconds({ idle: true, lastTimestamp: secondsAgo(3600), syncedAt: NOW - 500 }, NOW, true), 0);
  });

  it('grows from the last moment it was caught up once the source is unreachable', () => {
    // Caught up 42 s ago (a heartbeat), its last change an hour old: 42 s, not 0 and not an hour.
    assert.equal(streamLagSeconds({ idle: false, lastTimestamp: secondsAgo(3600), syncedAt: NOW - 42_000 }, NOW, true), 42);
  });

  it('counts from the last applied change while changes are queued', () => {
    assert.equal(streamLagSeconds({ idle: false, lastTimestamp: secondsAgo(7), syncedAt: NOW - 60_000 }, NOW, false), 7);
    // The reader is caught up (a heartbeat 1 s ago) but the applier is not: the applier's lag.
    assert.equal(streamLagSeconds({ idle: true, lastTimestamp: secondsAgo(9), syncedAt: NOW - 1_000 }, NOW, false), 9);
  });

  it('with nothing queued and no heartbeat since, counts from the last applied change if that is later', () => {
    assert.equal(streamLagSeconds({ idle: false, lastTimestamp: secondsAgo(3), syncedAt: NOW - 30_000 }, NOW, true), 3);
  });

  it('is 0 before anything is known, and never negative', () => {
    assert.equal(streamLagSeconds({ idle: false, lastTimestamp: 0, syncedAt: 0 }, NOW, true), 0);
    assert.equal(streamLagSeconds({ idle: false, lastTimestamp: secondsAgo(-5), syncedAt: 0 }, NOW, true), 0);
  });

  it('grows by the time no reader is connected, also when steady writes never let a heartbeat arrive', () => {
    // Nothing applied yet and no heartbeat (the source always had a change to send): was 0.
    assert.equal(streamLagSeconds({ idle: false, lastTimestamp: 0, syncedAt: 0, disconnected: { sinceMs: NOW - 50_000, lagSeconds: 0 } }, NOW, true), 50);
    // 2 s behind when the tablet went away 30 s ago: 32.
    assert.equal(streamLagSeconds({ idle: false, lastTimestamp: secondsAgo(2), syncedAt: 0, disconnected: { sinceMs: NOW - 30_000, lagSeconds: 2 } }, NOW, true), 32);
    // A larger lag from what is still queued wins.
    assert.equal(streamLagSeconds({ idle: false, lastTimestamp: secondsAgo(90), syncedAt: 0, disconnected: { sinceMs: NOW - 30_000, lagSeconds: 2 } }, NOW, false), 90);
  });
});

