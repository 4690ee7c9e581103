-- Events are counted by event_id, once, wherever they were stored. Each batch writer skips the events
-- ClickHouse already has (a check, then an insert): two instances that receive a callback and its retry
-- and insert them in overlapping batches both store it. status_events keeps both rows (the truth of
-- what arrived); every count a user sees counts distinct event ids instead of rows.
--
-- The distinct state holds a 64-bit hash of each event id (the id is itself 128 bits of SHA-256, so two
-- events of one message, or of one minute's row, never share a hash in practice).
--
-- message_state: event_ids, uniqExact (exact): about 8 bytes per event, some 35 bytes per message of
-- four events (uncompressible hashes; 10^8 messages a month add about 3.5 GB a month to message_state).
-- From this migration on the view writes event_count = 0 and counts into event_ids; message_status
-- shows sum(event_count) + uniqExactMerge(event_ids), so rows written before it keep their counts
-- (as stored then) and a message with events from both sides of the upgrade adds the two.
ALTER TABLE message_state
    ADD COLUMN IF NOT EXISTS event_ids AggregateFunction(uniqExact, UInt64);

-- events_per_minute: event_ids, uniq (ClickHouse's adaptive sample of 32-bit hashes: exact up to
-- 65,536 distinct events in one number, apart from hash collisions, then within about 1 %), about
-- 4 bytes per event (10^8 messages a month, four events each: about 1.6 GB a month), bounded to 256 KiB
-- per row and per number read. events keeps counting stored rows (copies included: an ingest figure).
ALTER TABLE events_per_minute
    ADD COLUMN IF NOT EXISTS event_ids AggregateFunction(uniq, UInt64);

-- The view first, so that no moment counts a message's new events neither way.
CREATE OR REPLACE VIEW message_status AS
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
    sum(event_count) + uniqExactMerge(event_ids) AS event_count,
    max(country) AS country,
    max(number_type) AS number_type,
    max(channel) AS channel,
    max(tags) AS tags,
    min(queued_at) AS queued_at,
    min(sent_at) AS sent_at,
    min(delivered_at) AS delivered_at
FROM message_state
GROUP BY message_sid;

-- Replaces the query in place: no insert falls between an old and a new view.
ALTER TABLE message_state_mv MODIFY QUERY
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
    toUInt64(0) AS event_count,
    max(toString(country)) AS country,
    max(toString(number_type)) AS number_type,
    max(toString(channel)) AS channel,
    max(tags) AS tags,
    minOrNullIf(event_time, status = 'queued') AS queued_at,
    minOrNullIf(event_time, status = 'sent') AS sent_at,
    minOrNullIf(
        ifNull(toDateTime64(parseDateTimeOrNull(parameters['RawDlrDoneDate'], '%y%m%d%H%i', 'UTC'), 3, 'UTC'), event_time),
        status = 'delivered') AS delivered_at,
    uniqExactState(cityHash64(event_id)) AS event_ids
FROM status_events
GROUP BY message_sid;

ALTER TABLE events_per_minute_mv MODIFY QUERY
SELECT
    toStartOfMinute(received_at) AS minute,
    account_sid,
    messaging_service_sid,
    source,
    direction,
    status,
    ifNull(error_code, 0) AS error_code,
    country,
    channel,
    if(direction = 'inbound', to_address, from_address) AS own_address,
    count() AS events,
    uniqState(message_sid) AS messages,
    uniqState(cityHash64(event_id)) AS event_ids
FROM status_events
GROUP BY minute, account_sid, messaging_service_sid, source, direction, status, error_code, country, channel, own_address;

-- The events stored before, into the rows of their minutes: events 0 (they are counted already) and
-- states that merge as sets, so the events the view just counted, or a second run of this statement
-- after an interrupted migration, change nothing. One pass over status_events (at 10^8 messages a
-- month, minutes per month of history); the grouping spills to disk rather than exceed memory.
INSERT INTO events_per_minute (minute, account_sid, messaging_service_sid, source, direction, status, error_code, country, channel, own_address, events, messages, event_ids)
SELECT
    toStartOfMinute(received_at) AS minute,
    account_sid,
    messaging_service_sid,
    source,
    direction,
    status,
    ifNull(error_code, 0) AS error_code,
    country,
    channel,
    if(direction = 'inbound', to_address, from_address) AS own_address,
    toUInt64(0) AS events,
    uniqState(message_sid) AS messages,
    uniqState(cityHash64(event_id)) AS event_ids
FROM status_events
GROUP BY minute, account_sid, messaging_service_sid, source, direction, status, error_code, country, channel, own_address
SETTINGS max_bytes_before_external_group_by = 1000000000;
