-- Requests refused for their signature (403), counted per minute, endpoint and reason: enough for a
-- "signature failures spike" alert, while unsigned traffic never reaches the journal. Rows are deltas;
-- read sum(requests).
CREATE TABLE IF NOT EXISTS forbidden_requests
(
    minute DateTime('UTC'),
    endpoint LowCardinality(String),
    reason LowCardinality(String),
    requests UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (minute, endpoint, reason);
