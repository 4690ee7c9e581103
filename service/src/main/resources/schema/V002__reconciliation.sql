-- One row per reconciliation run (scheduled, POST /tasks/reconcile, the reconcile command) and per
-- completed backfill slice: what it looked at, what it fixed, what the Twilio API cost.
CREATE TABLE IF NOT EXISTS reconciliation_runs
(
    run_id String,
    trigger LowCardinality(String),
    started_at DateTime64(3, 'UTC'),
    finished_at DateTime64(3, 'UTC'),
    window_from Nullable(DateTime64(3, 'UTC')),
    window_to Nullable(DateTime64(3, 'UTC')),
    stale_after_seconds UInt64,
    checked UInt64,
    fixed UInt64,
    not_found UInt64,
    -- Fetches that still failed after the HTTP client's retries; those messages stay stale.
    failed UInt64,
    api_calls UInt64,
    rate_limited UInt64,
    outcome LowCardinality(String),
    error String
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(started_at)
ORDER BY (started_at, run_id);

-- The last time each message was fetched by SID and what Twilio answered. A message whose fetch gave
-- nothing new is not fetched again until it is stale once more, and a 404 is kept as such.
CREATE TABLE IF NOT EXISTS reconcile_checks
(
    message_sid String,
    account_sid LowCardinality(String),
    checked_at DateTime64(3, 'UTC'),
    outcome LowCardinality(String),
    status LowCardinality(String),
    run_id String
)
ENGINE = ReplacingMergeTree(checked_at)
ORDER BY message_sid;
