-- The read model: counts of messages by current status, kept up to date incrementally so that every
-- dashboard panel, alert and API statistic costs what its time range costs, not what the history
-- costs. It derives from status_events alone, and is rebuilt from it by the rebuild-read-model command.
--
--   status_events ─(view)─▶ status_event_log ─(ReadModelApplier, one time slice at a time)─▶ read_model_changes
--   read_model_changes ─(views)─▶ read_model_state   the state last counted, per message (the applier's memory)
--                      └▶ read_model_deltas ─(views)─▶ status_counts        messages by first-seen minute/hour/day, dimensions, status
--                                                     ├▶ sender_counts, tag_counts   the same by sender, by StatusCallback tag
--                                                     ├▶ latency_histograms   the same keys, messages by latency bucket
--                                                     ├▶ messages_by_minute   per-message rows ordered by first-seen minute
--                                                     └▶ pending_messages     the same for the messages not final yet
--
-- A change row carries a message's new state and the state counted before it (previous_version 0: none);
-- read_model_deltas turns it into +1 for the new state and -1 for the previous one. Every insert into
-- read_model_changes carries a deduplication token naming its time slice, so a retried or concurrent
-- application of the same slice is stored once, in every table (see ReadModelApplier).

-- Every event inserted into status_events, whatever wrote it, stamped with the time of its insert
-- (the view's now64(), not the writer's inserted_at). Kept for a week: an applier further behind
-- than that must rebuild.
CREATE TABLE IF NOT EXISTS status_event_log
(
    logged_at DateTime64(3, 'UTC'),
    message_sid String,
    account_sid LowCardinality(String),
    messaging_service_sid LowCardinality(String),
    direction LowCardinality(String),
    country LowCardinality(String),
    channel LowCardinality(String),
    from_address String,
    to_address String,
    number_type LowCardinality(String),
    tags Map(String, String),
    status LowCardinality(String),
    status_rank UInt8,
    error_code Nullable(UInt32),
    event_time DateTime64(3, 'UTC'),
    -- Delivered events: the carrier's RawDlrDoneDate where present, else the event time.
    receipt_time DateTime64(3, 'UTC')
)
ENGINE = MergeTree
PARTITION BY toDate(logged_at)
ORDER BY logged_at
TTL toDateTime(logged_at) + INTERVAL 7 DAY
SETTINGS ttl_only_drop_parts = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS status_event_log_mv TO status_event_log AS
SELECT
    now64(3, 'UTC') AS logged_at,
    message_sid,
    account_sid,
    messaging_service_sid,
    direction,
    country,
    channel,
    from_address,
    to_address,
    number_type,
    tags,
    status,
    status_rank,
    error_code,
    event_time,
    ifNull(toDateTime64(parseDateTimeOrNull(parameters['RawDlrDoneDate'], '%y%m%d%H%i', 'UTC'), 3, 'UTC'), event_time) AS receipt_time
FROM status_events;

-- What the applier writes: one row per message whose state changed in a slice. Stores nothing itself.
CREATE TABLE IF NOT EXISTS read_model_changes
(
    message_sid String,
    version UInt64,
    account_sid String,
    messaging_service_sid String,
    direction String,
    country String,
    channel String,
    from_address String,
    to_address String,
    number_type String,
    tags Map(String, String),
    status String,
    status_rank UInt8,
    status_time DateTime64(3, 'UTC'),
    error_code Nullable(UInt32),
    first_event_at DateTime64(3, 'UTC'),
    last_event_at DateTime64(3, 'UTC'),
    queued_at Nullable(DateTime64(3, 'UTC')),
    sent_at Nullable(DateTime64(3, 'UTC')),
    delivered_at Nullable(DateTime64(3, 'UTC')),
    previous_version UInt64,
    previous_account_sid String,
    previous_messaging_service_sid String,
    previous_direction String,
    previous_country String,
    previous_channel String,
    previous_from_address String,
    previous_to_address String,
    previous_number_type String,
    previous_tags Map(String, String),
    previous_status String,
    previous_status_rank UInt8,
    previous_status_time DateTime64(3, 'UTC'),
    previous_error_code Nullable(UInt32),
    previous_first_event_at DateTime64(3, 'UTC'),
    previous_last_event_at DateTime64(3, 'UTC'),
    previous_queued_at Nullable(DateTime64(3, 'UTC')),
    previous_sent_at Nullable(DateTime64(3, 'UTC')),
    previous_delivered_at Nullable(DateTime64(3, 'UTC'))
)
ENGINE = Null;

-- The state each message was last counted in. Small granules: the applier looks up the messages of
-- one slice by SID, and SIDs are random, so its cost follows the slice rather than the table.
CREATE TABLE IF NOT EXISTS read_model_state
(
    message_sid String,
    version UInt64,
    account_sid String,
    messaging_service_sid String,
    direction String,
    country String,
    channel String,
    from_address String,
    to_address String,
    number_type String,
    tags Map(String, String),
    status String,
    status_rank UInt8,
    status_time DateTime64(3, 'UTC'),
    error_code Nullable(UInt32),
    first_event_at DateTime64(3, 'UTC'),
    last_event_at DateTime64(3, 'UTC'),
    queued_at Nullable(DateTime64(3, 'UTC')),
    sent_at Nullable(DateTime64(3, 'UTC')),
    delivered_at Nullable(DateTime64(3, 'UTC'))
)
ENGINE = ReplacingMergeTree(version)
ORDER BY message_sid
SETTINGS index_granularity = 256, non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS read_model_state_mv TO read_model_state AS
SELECT
    message_sid, version, account_sid, messaging_service_sid, direction, country, channel, from_address, to_address, number_type, tags,
    status, status_rank, status_time, error_code, first_event_at, last_event_at, queued_at, sent_at, delivered_at
FROM read_model_changes;

-- Each change as signed rows: +1 for the new state and -1 for the previous one (none for a new
-- message), which the views below count. Stores nothing itself.
CREATE TABLE IF NOT EXISTS read_model_deltas
(
    sign Int8,
    message_sid String,
    version UInt64,
    account_sid String,
    messaging_service_sid String,
    direction String,
    country String,
    channel String,
    from_address String,
    to_address String,
    number_type String,
    tags Map(String, String),
    status String,
    status_rank UInt8,
    status_time DateTime64(3, 'UTC'),
    error_code Nullable(UInt32),
    first_event_at DateTime64(3, 'UTC'),
    last_event_at DateTime64(3, 'UTC'),
    queued_at Nullable(DateTime64(3, 'UTC')),
    sent_at Nullable(DateTime64(3, 'UTC')),
    delivered_at Nullable(DateTime64(3, 'UTC'))
)
ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS read_model_deltas_mv TO read_model_deltas AS
SELECT
    side.sign AS sign,
    change.message_sid AS message_sid,
    side.version AS version,
    side.account_sid AS account_sid,
    side.messaging_service_sid AS messaging_service_sid,
    side.direction AS direction,
    side.country AS country,
    side.channel AS channel,
    side.from_address AS from_address,
    side.to_address AS to_address,
    side.number_type AS number_type,
    side.tags AS tags,
    side.status AS status,
    side.status_rank AS status_rank,
    side.status_time AS status_time,
    side.error_code AS error_code,
    side.first_event_at AS first_event_at,
    side.last_event_at AS last_event_at,
    side.queued_at AS queued_at,
    side.sent_at AS sent_at,
    side.delivered_at AS delivered_at
FROM read_model_changes AS change
ARRAY JOIN
    arrayFilter(side -> side.sign != 0, [
        CAST((1, change.version, change.account_sid, change.messaging_service_sid, change.direction, change.country, change.channel, change.from_address, change.to_address, change.number_type, change.tags, change.status, change.status_rank, change.status_time, change.error_code, change.first_event_at, change.last_event_at, change.queued_at, change.sent_at, change.delivered_at),
            'Tuple(sign Int8, version UInt64, account_sid String, messaging_service_sid String, direction String, country String, channel String, from_address String, to_address String, number_type String, tags Map(String, String), status String, status_rank UInt8, status_time DateTime64(3, \'UTC\'), error_code Nullable(UInt32), first_event_at DateTime64(3, \'UTC\'), last_event_at DateTime64(3, \'UTC\'), queued_at Nullable(DateTime64(3, \'UTC\')), sent_at Nullable(DateTime64(3, \'UTC\')), delivered_at Nullable(DateTime64(3, \'UTC\')))'),
        CAST((-(change.previous_version > 0), change.previous_version, change.previous_account_sid, change.previous_messaging_service_sid, change.previous_direction, change.previous_country, change.previous_channel, change.previous_from_address, change.previous_to_address, change.previous_number_type, change.previous_tags, change.previous_status, change.previous_status_rank, change.previous_status_time, change.previous_error_code, change.previous_first_event_at, change.previous_last_event_at, change.previous_queued_at, change.previous_sent_at, change.previous_delivered_at),
            'Tuple(sign Int8, version UInt64, account_sid String, messaging_service_sid String, direction String, country String, channel String, from_address String, to_address String, number_type String, tags Map(String, String), status String, status_rank UInt8, status_time DateTime64(3, \'UTC\'), error_code Nullable(UInt32), first_event_at DateTime64(3, \'UTC\'), last_event_at DateTime64(3, \'UTC\'), queued_at Nullable(DateTime64(3, \'UTC\')), sent_at Nullable(DateTime64(3, \'UTC\')), delivered_at Nullable(DateTime64(3, \'UTC\')))')
    ]) AS side;

-- Messages by current status. granularity: the length of the first-seen interval a row counts
-- (minute, hour, day), so that long ranges read hours and days and only their edges read minutes.
-- error_code 0: none. Rows are deltas: read sum(messages).
CREATE TABLE IF NOT EXISTS status_counts
(
    granularity Enum8('minute' = 1, 'hour' = 2, 'day' = 3),
    time DateTime('UTC'),
    account_sid LowCardinality(String),
    messaging_service_sid LowCardinality(String),
    direction LowCardinality(String),
    country LowCardinality(String),
    channel LowCardinality(String),
    status LowCardinality(String),
    error_code UInt32,
    messages Int64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(time)
ORDER BY (granularity, time, account_sid, direction, status, error_code, country, channel, messaging_service_sid)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS status_counts_mv TO status_counts AS
SELECT
    granularity,
    multiIf(granularity = 'minute', toStartOfMinute(delta.first_event_at), granularity = 'hour', toStartOfHour(delta.first_event_at), toStartOfDay(delta.first_event_at)) AS time,
    delta.account_sid AS account_sid,
    delta.messaging_service_sid AS messaging_service_sid,
    delta.direction AS direction,
    delta.country AS country,
    delta.channel AS channel,
    delta.status AS status,
    ifNull(delta.error_code, 0) AS error_code,
    delta.sign AS messages
FROM read_model_deltas AS delta
ARRAY JOIN CAST(['minute', 'hour', 'day'], 'Array(Enum8(\'minute\' = 1, \'hour\' = 2, \'day\' = 3))') AS granularity;

-- Messages by from_address (the account's number for outbound messages), the dimensions the
-- dashboards filter on, and current status: for breakdowns by sender.
CREATE TABLE IF NOT EXISTS sender_counts
(
    granularity Enum8('minute' = 1, 'hour' = 2, 'day' = 3),
    time DateTime('UTC'),
    account_sid LowCardinality(String),
    messaging_service_sid LowCardinality(String),
    direction LowCardinality(String),
    country LowCardinality(String),
    channel LowCardinality(String),
    from_address String,
    status LowCardinality(String),
    messages Int64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(time)
ORDER BY (granularity, time, account_sid, direction, from_address, status, country, channel, messaging_service_sid)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS sender_counts_mv TO sender_counts AS
SELECT
    granularity,
    multiIf(granularity = 'minute', toStartOfMinute(delta.first_event_at), granularity = 'hour', toStartOfHour(delta.first_event_at), toStartOfDay(delta.first_event_at)) AS time,
    delta.account_sid AS account_sid,
    delta.messaging_service_sid AS messaging_service_sid,
    delta.direction AS direction,
    delta.country AS country,
    delta.channel AS channel,
    delta.from_address AS from_address,
    delta.status AS status,
    delta.sign AS messages
FROM read_model_deltas AS delta
ARRAY JOIN CAST(['minute', 'hour', 'day'], 'Array(Enum8(\'minute\' = 1, \'hour\' = 2, \'day\' = 3))') AS granularity;

-- Messages by one StatusCallback tag (key and value), current status and error code: a message with
-- three tags counts once under each. For breakdowns by a tag, and totals and error codes within one tag.
CREATE TABLE IF NOT EXISTS tag_counts
(
    granularity Enum8('minute' = 1, 'hour' = 2, 'day' = 3),
    time DateTime('UTC'),
    account_sid LowCardinality(String),
    direction LowCardinality(String),
    tag_key LowCardinality(String),
    tag_value String,
    status LowCardinality(String),
    error_code UInt32,
    messages Int64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(time)
ORDER BY (granularity, time, tag_key, account_sid, direction, tag_value, status, error_code)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS tag_counts_mv TO tag_counts AS
SELECT
    granularity,
    multiIf(granularity = 'minute', toStartOfMinute(delta.first_event_at), granularity = 'hour', toStartOfHour(delta.first_event_at), toStartOfDay(delta.first_event_at)) AS time,
    delta.account_sid AS account_sid,
    delta.direction AS direction,
    tag_key,
    tag_value,
    delta.status AS status,
    ifNull(delta.error_code, 0) AS error_code,
    delta.sign AS messages
FROM read_model_deltas AS delta
ARRAY JOIN mapKeys(delta.tags) AS tag_key, mapValues(delta.tags) AS tag_value
ARRAY JOIN CAST(['minute', 'hour', 'day'], 'Array(Enum8(\'minute\' = 1, \'hour\' = 2, \'day\' = 3))') AS granularity;

-- Latencies of the messages by the same first-seen keys: queued -> sent and sent -> delivered (the
-- carrier's RawDlrDoneDate where present), in milliseconds, negative ones as 0, rounded down to two
-- significant digits (bucket 1200 holds 1200-1299 ms). Percentiles are read from the bucket counts.
CREATE TABLE IF NOT EXISTS latency_histograms
(
    granularity Enum8('minute' = 1, 'hour' = 2, 'day' = 3),
    time DateTime('UTC'),
    latency Enum8('queued_to_sent' = 1, 'sent_to_delivered' = 2),
    account_sid LowCardinality(String),
    messaging_service_sid LowCardinality(String),
    direction LowCardinality(String),
    country LowCardinality(String),
    channel LowCardinality(String),
    bucket UInt64,
    messages Int64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(time)
ORDER BY (granularity, time, latency, account_sid, direction, country, channel, messaging_service_sid, bucket)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS latency_histograms_mv TO latency_histograms AS
SELECT
    granularity,
    multiIf(granularity = 'minute', toStartOfMinute(delta.first_event_at), granularity = 'hour', toStartOfHour(delta.first_event_at), toStartOfDay(delta.first_event_at)) AS time,
    point.1 AS latency,
    delta.account_sid AS account_sid,
    delta.messaging_service_sid AS messaging_service_sid,
    delta.direction AS direction,
    delta.country AS country,
    delta.channel AS channel,
    intDiv(assumeNotNull(point.2), intExp10(greatest(length(toString(assumeNotNull(point.2))) - 2, 0))) * intExp10(greatest(length(toString(assumeNotNull(point.2))) - 2, 0)) AS bucket,
    delta.sign AS messages
FROM read_model_deltas AS delta
ARRAY JOIN arrayFilter(measured -> measured.2 IS NOT NULL, [
        CAST(('queued_to_sent', if(delta.queued_at IS NULL OR delta.sent_at IS NULL, NULL, greatest(0, toUnixTimestamp64Milli(assumeNotNull(delta.sent_at)) - toUnixTimestamp64Milli(assumeNotNull(delta.queued_at))))), 'Tuple(Enum8(\'queued_to_sent\' = 1, \'sent_to_delivered\' = 2), Nullable(UInt64))'),
        CAST(('sent_to_delivered', if(delta.sent_at IS NULL OR delta.delivered_at IS NULL, NULL, greatest(0, toUnixTimestamp64Milli(assumeNotNull(delta.delivered_at)) - toUnixTimestamp64Milli(assumeNotNull(delta.sent_at))))), 'Tuple(Enum8(\'queued_to_sent\' = 1, \'sent_to_delivered\' = 2), Nullable(UInt64))')
    ]) AS point
ARRAY JOIN CAST(['minute', 'hour', 'day'], 'Array(Enum8(\'minute\' = 1, \'hour\' = 2, \'day\' = 3))') AS granularity;

-- One row per message and version, ordered by first-seen minute: what reads of the messages of a range
-- need (breakdowns by sender or tag, the stale-message query, exports). A changed message gets -1 for
-- its previous row (same version, so the two collapse) and +1 for its new one.
-- Read through messages_by_minute_current.
CREATE TABLE IF NOT EXISTS messages_by_minute
(
    first_seen DateTime('UTC'),
    message_sid String,
    version UInt64,
    sign Int8,
    account_sid LowCardinality(String),
    messaging_service_sid LowCardinality(String),
    direction LowCardinality(String),
    country LowCardinality(String),
    channel LowCardinality(String),
    from_address String,
    to_address String,
    number_type LowCardinality(String),
    tags Map(String, String),
    status LowCardinality(String),
    error_code Nullable(UInt32),
    first_event_at DateTime64(3, 'UTC'),
    last_event_at DateTime64(3, 'UTC'),
    queued_at Nullable(DateTime64(3, 'UTC')),
    sent_at Nullable(DateTime64(3, 'UTC')),
    delivered_at Nullable(DateTime64(3, 'UTC'))
)
ENGINE = VersionedCollapsingMergeTree(sign, version)
PARTITION BY toYYYYMM(first_seen)
ORDER BY (first_seen, message_sid)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS messages_by_minute_mv TO messages_by_minute AS
SELECT
    toStartOfMinute(delta.first_event_at) AS first_seen,
    delta.message_sid AS message_sid,
    delta.version AS version,
    delta.sign AS sign,
    delta.account_sid AS account_sid,
    delta.messaging_service_sid AS messaging_service_sid,
    delta.direction AS direction,
    delta.country AS country,
    delta.channel AS channel,
    delta.from_address AS from_address,
    delta.to_address AS to_address,
    delta.number_type AS number_type,
    delta.tags AS tags,
    delta.status AS status,
    delta.error_code AS error_code,
    delta.first_event_at AS first_event_at,
    delta.last_event_at AS last_event_at,
    delta.queued_at AS queued_at,
    delta.sent_at AS sent_at,
    delta.delivered_at AS delivered_at
FROM read_model_deltas AS delta;

-- The current row of each message, whatever the merge state: a message that moved to another minute
-- (an earlier event arrived late) sums to 0 in its old minute. Filter on first_seen: it reaches the table.
CREATE VIEW IF NOT EXISTS messages_by_minute_current AS
SELECT
    first_seen,
    message_sid,
    argMaxIf(account_sid, version, sign > 0) AS account_sid,
    argMaxIf(messaging_service_sid, version, sign > 0) AS messaging_service_sid,
    argMaxIf(direction, version, sign > 0) AS direction,
    argMaxIf(country, version, sign > 0) AS country,
    argMaxIf(channel, version, sign > 0) AS channel,
    argMaxIf(from_address, version, sign > 0) AS from_address,
    argMaxIf(to_address, version, sign > 0) AS to_address,
    argMaxIf(number_type, version, sign > 0) AS number_type,
    argMaxIf(tags, version, sign > 0) AS tags,
    argMaxIf(status, version, sign > 0) AS status,
    argMaxIf(error_code, version, sign > 0) AS error_code,
    argMaxIf(first_event_at, version, sign > 0) AS first_event_at,
    argMaxIf(last_event_at, version, sign > 0) AS last_event_at,
    argMaxIf(queued_at, version, sign > 0) AS queued_at,
    argMaxIf(sent_at, version, sign > 0) AS sent_at,
    argMaxIf(delivered_at, version, sign > 0) AS delivered_at
FROM messages_by_minute
GROUP BY first_seen, message_sid
HAVING sum(sign) > 0;

-- The rows of messages_by_minute whose status is not final yet (accepted, scheduled, queued, sending,
-- receiving, sent): what the stale-message query of reconciliation and the stale-pending panel and
-- alert read over the reconciliation lookback, a small part of all messages. Read through
-- pending_messages_current.
CREATE TABLE IF NOT EXISTS pending_messages
(
    first_seen DateTime('UTC'),
    message_sid String,
    version UInt64,
    sign Int8,
    account_sid LowCardinality(String),
    messaging_service_sid LowCardinality(String),
    direction LowCardinality(String),
    country LowCardinality(String),
    channel LowCardinality(String),
    status LowCardinality(String),
    first_event_at DateTime64(3, 'UTC'),
    last_event_at DateTime64(3, 'UTC')
)
ENGINE = VersionedCollapsingMergeTree(sign, version)
PARTITION BY toYYYYMM(first_seen)
ORDER BY (first_seen, message_sid)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS pending_messages_mv TO pending_messages AS
SELECT
    toStartOfMinute(delta.first_event_at) AS first_seen,
    delta.message_sid AS message_sid,
    delta.version AS version,
    delta.sign AS sign,
    delta.account_sid AS account_sid,
    delta.messaging_service_sid AS messaging_service_sid,
    delta.direction AS direction,
    delta.country AS country,
    delta.channel AS channel,
    delta.status AS status,
    delta.first_event_at AS first_event_at,
    delta.last_event_at AS last_event_at
FROM read_model_deltas AS delta
WHERE delta.status IN ('accepted', 'scheduled', 'queued', 'sending', 'receiving', 'sent');

-- The messages pending now, as messages_by_minute_current. Filter on first_seen: it reaches the table.
CREATE VIEW IF NOT EXISTS pending_messages_current AS
SELECT
    first_seen,
    message_sid,
    argMaxIf(account_sid, version, sign > 0) AS account_sid,
    argMaxIf(messaging_service_sid, version, sign > 0) AS messaging_service_sid,
    argMaxIf(direction, version, sign > 0) AS direction,
    argMaxIf(country, version, sign > 0) AS country,
    argMaxIf(channel, version, sign > 0) AS channel,
    argMaxIf(status, version, sign > 0) AS status,
    argMaxIf(first_event_at, version, sign > 0) AS first_event_at,
    argMaxIf(last_event_at, version, sign > 0) AS last_event_at
FROM pending_messages
GROUP BY first_seen, message_sid
HAVING sum(sign) > 0;

-- Each applied slice (kind 'slice', version = the slice's end in epoch milliseconds) and each build
-- from status_events (kind 'build'). The applier resumes after the highest version.
CREATE TABLE IF NOT EXISTS read_model_progress
(
    version UInt64,
    kind LowCardinality(String),
    messages UInt64,
    applied_at DateTime64(3, 'UTC') DEFAULT now64(3),
    applier String
)
ENGINE = MergeTree
ORDER BY version
SETTINGS non_replicated_deduplication_window = 10000;

-- The read model exists from now on: the first applier builds it from the events inserted before
-- this record and applies the log after it.
INSERT INTO read_model_progress (version, kind, messages, applier) VALUES (0, 'created', 0, 'migration');
