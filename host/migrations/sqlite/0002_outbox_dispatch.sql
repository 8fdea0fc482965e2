-- The dispatcher's bookkeeping: when to try again, who holds a row, why the last try failed.
ALTER TABLE outbox ADD COLUMN next_attempt_at TEXT;
ALTER TABLE outbox ADD COLUMN locked_until TEXT;
ALTER TABLE outbox ADD COLUMN last_error TEXT;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
