-- Every accepted event, append-only. Ordered by account and hour for time-range reads; bloom filters
-- find one message's events and let the writer's duplicate check (recent events by id) skip granules.
CREATE TABLE IF NOT EXISTS status_events
(
    event_id FixedString(32),
    received_at DateTime64(3, 'UTC'),
    event_time DateTime64(3, 'UTC'),
    inserted_at DateTime64(3, 'UTC') DEFAULT now64(3),
    source LowCardinality(String),
    direction LowCardinality(String),
    account_sid LowCardinality(String),
    message_sid String,
    messaging_service_sid LowCardinality(String),
    status LowCardinality(String),
    status_rank UInt8,
    error_code Nullable(UInt32),
    from_address String,
    to_address String,
    api_version LowCardinality(String),
    idempotency_token String,
    journal_position UInt64,
    tags Map(String, String),
    parameters Map(String, String),
    INDEX message_sid_bloom message_sid TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX event_id_bloom event_id TYPE bloom_filter(0.001) GRANULARITY 1
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(received_at)
ORDER BY (account_sid, toStartOfHour(received_at), message_sid, event_time)
-- Makes insert_deduplication_token effective on a non-replicated table: a retried batch is stored once.
SETTINGS non_replicated_deduplication_window = 1000;

-- One row per message after merges: current status by precedence (then event time), never by arrival.
-- Unpartitioned, because a message's events can span months.
CREATE TABLE IF NOT EXISTS message_state
(
    message_sid String,
    account_sid SimpleAggregateFunction(max, String),
    messaging_service_sid SimpleAggregateFunction(max, String),
    direction SimpleAggregateFunction(max, String),
    from_address SimpleAggregateFunction(max, String),
    to_address SimpleAggregateFunction(max, String),
    current AggregateFunction(argMax, Tuple(String, Nullable(UInt32)), Tuple(UInt8, DateTime64(3, 'UTC'))),
    first_event_at SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    last_event_at SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    sources SimpleAggregateFunction(groupUniqArrayArray, Array(String)),
    event_count SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
ORDER BY message_sid;

CREATE MATERIALIZED VIEW IF NOT EXISTS message_state_mv TO message_state AS
SELECT
    message_sid,
    max(toString(account_sid)) AS account_sid,
    max(toString(messaging_service_sid)) AS messaging_service_sid,
    max(toString(direction)) AS direction,
    max(from_address) AS from_address,
    max(to_address) AS to_address,
    argMaxState(tuple(toString(status), error_code), tuple(status_rank, event_time)) AS current,
    min(event_time) AS first_event_at,
    max(event_time) AS last_event_at,
    groupUniqArray(toString(source)) AS sources,
    count() AS event_count
FROM status_events
GROUP BY message_sid;

-- The resolved state of every message, correct whatever the merge state of message_state.
CREATE VIEW IF NOT EXISTS message_status AS
SELECT
    message_sid,
    max(account_sid) AS account_sid,
    max(messaging_service_sid) AS messaging_service_sid,
    max(direction) AS direction,
    max(from_address) AS from_address,
    max(to_address) AS to_address,
    tupleElement(argMaxMerge(current), 1) AS status,
    tupleElement(argMaxMerge(current), 2) AS error_code,
    min(first_event_at) AS first_event_at,
    max(last_event_at) AS last_event_at,
    arraySort(groupUniqArrayArray(sources)) AS sources,
    sum(event_count) AS event_count
FROM message_state
GROUP BY message_sid;

-- Correctly signed requests that failed validation, with the reason returned to the caller.
CREATE TABLE IF NOT EXISTS rejected_requests
(
    received_at DateTime64(3, 'UTC'),
    inserted_at DateTime64(3, 'UTC') DEFAULT now64(3),
    endpoint LowCardinality(String),
    reason LowCardinality(String),
    detail String,
    account_sid String,
    message_sid String,
    url String,
    journal_position UInt64,
    parameters Map(String, String)
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(received_at)
ORDER BY (received_at, reason)
SETTINGS non_replicated_deduplication_window = 1000;
