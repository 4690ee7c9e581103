-- The message lookup (GET /api/v1/messages/{sid}) finds a message's events in status_events by its SID.
-- The SID is not at the head of that table's key, so by the SID alone the lookup reads the message_sid
-- bloom filter of every granule of the retention: at 10^8 messages a month, some 600,000 granules and
-- gigabytes of filter for one message, more with every month kept. message_state now keeps when the
-- message's events were received, first and last; the lookup reads only the partitions and hours in
-- between, a granule or two however long the history. About 16 bytes more per message.
--
-- Rows written before this migration hold the columns' default, 1970-01-01: a message with any of them
-- has its first receipt at 1970 and is looked up by its SID alone, as before.
ALTER TABLE message_state
    ADD COLUMN IF NOT EXISTS first_received_at SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    ADD COLUMN IF NOT EXISTS last_received_at SimpleAggregateFunction(max, DateTime64(3, 'UTC'));

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
    uniqExactState(cityHash64(event_id)) AS event_ids,
    min(received_at) AS first_received_at,
    max(received_at) AS last_received_at
FROM status_events
GROUP BY message_sid;

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
    min(delivered_at) AS delivered_at,
    min(first_received_at) AS first_received_at,
    max(last_received_at) AS last_received_at
FROM message_state
GROUP BY message_sid;
