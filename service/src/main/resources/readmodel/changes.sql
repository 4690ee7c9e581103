-- The changes of one step of the read model: for each message with an event in the step's events
-- ({events}), its new state, merged from the state counted before ({previous}) and those events, and
-- that previous state. Messages whose state did not change are left out. Every rule is the one of
-- message_status (highest status_rank, then event time; max of the dimensions; min of the times) and
-- merging is idempotent: an event merged twice changes nothing. Status ties (same rank and time) go
-- to the greater status name, then error code, so that every applier computes the same state.
-- Parameters: {version:UInt64}; {events} and {previous} are filled in by ReadModelStatements.
SELECT
    message_sid,
    version,
    account_sid, messaging_service_sid, direction, country, channel, from_address, to_address, number_type, tags,
    status, status_rank, status_time, error_code,
    first_event_at, last_event_at, queued_at, sent_at, delivered_at,
    previous_version,
    previous_account_sid, previous_messaging_service_sid, previous_direction, previous_country, previous_channel,
    previous_from_address, previous_to_address, previous_number_type, previous_tags, previous_status, previous_status_rank, previous_status_time, previous_error_code,
    previous_first_event_at, previous_last_event_at, previous_queued_at, previous_sent_at, previous_delivered_at
FROM
(
    SELECT
        fresh.message_sid AS message_sid,
        {version:UInt64} AS version,
        greatest(fresh.account_sid, previous.account_sid) AS account_sid,
        greatest(fresh.messaging_service_sid, previous.messaging_service_sid) AS messaging_service_sid,
        greatest(fresh.direction, previous.direction) AS direction,
        greatest(fresh.country, previous.country) AS country,
        greatest(fresh.channel, previous.channel) AS channel,
        greatest(fresh.from_address, previous.from_address) AS from_address,
        greatest(fresh.to_address, previous.to_address) AS to_address,
        greatest(fresh.number_type, previous.number_type) AS number_type,
        if(fresh.tags > previous.tags, fresh.tags, previous.tags) AS tags,
        previous.version = 0
            OR (fresh.status_rank, fresh.status_time, fresh.status, ifNull(fresh.error_code, 0))
                > (previous.status_rank, previous.status_time, previous.status, ifNull(previous.error_code, 0)) AS fresh_status_wins,
        if(fresh_status_wins, fresh.status, previous.status) AS status,
        if(fresh_status_wins, fresh.status_rank, previous.status_rank) AS status_rank,
        if(fresh_status_wins, fresh.status_time, previous.status_time) AS status_time,
        if(fresh_status_wins, fresh.error_code, previous.error_code) AS error_code,
        if(previous.version = 0, fresh.first_event_at, least(fresh.first_event_at, previous.first_event_at)) AS first_event_at,
        greatest(fresh.last_event_at, previous.last_event_at) AS last_event_at,
        if(previous.queued_at IS NULL, fresh.queued_at, if(fresh.queued_at IS NULL, previous.queued_at, least(fresh.queued_at, previous.queued_at))) AS queued_at,
        if(previous.sent_at IS NULL, fresh.sent_at, if(fresh.sent_at IS NULL, previous.sent_at, least(fresh.sent_at, previous.sent_at))) AS sent_at,
        if(previous.delivered_at IS NULL, fresh.delivered_at, if(fresh.delivered_at IS NULL, previous.delivered_at, least(fresh.delivered_at, previous.delivered_at))) AS delivered_at,
        previous.version AS previous_version,
        previous.account_sid AS previous_account_sid,
        previous.messaging_service_sid AS previous_messaging_service_sid,
        previous.direction AS previous_direction,
        previous.country AS previous_country,
        previous.channel AS previous_channel,
        previous.from_address AS previous_from_address,
        previous.to_address AS previous_to_address,
        previous.number_type AS previous_number_type,
        previous.tags AS previous_tags,
        previous.status AS previous_status,
        previous.status_rank AS previous_status_rank,
        previous.status_time AS previous_status_time,
        previous.error_code AS previous_error_code,
        previous.first_event_at AS previous_first_event_at,
        previous.last_event_at AS previous_last_event_at,
        previous.queued_at AS previous_queued_at,
        previous.sent_at AS previous_sent_at,
        previous.delivered_at AS previous_delivered_at
    FROM
    (
        SELECT
            event.message_sid AS message_sid,
            max(toString(event.account_sid)) AS account_sid,
            max(toString(event.messaging_service_sid)) AS messaging_service_sid,
            max(toString(event.direction)) AS direction,
            max(toString(event.country)) AS country,
            max(toString(event.channel)) AS channel,
            max(event.from_address) AS from_address,
            max(event.to_address) AS to_address,
            max(toString(event.number_type)) AS number_type,
            max(event.tags) AS tags,
            argMax(tuple(toString(event.status), event.status_rank, event.event_time, event.error_code),
                tuple(event.status_rank, event.event_time, toString(event.status), ifNull(event.error_code, 0))) AS winner,
            winner.1 AS status,
            winner.2 AS status_rank,
            winner.3 AS status_time,
            winner.4 AS error_code,
            min(event.event_time) AS first_event_at,
            max(event.event_time) AS last_event_at,
            minOrNullIf(event.event_time, event.status = 'queued') AS queued_at,
            minOrNullIf(event.event_time, event.status = 'sent') AS sent_at,
            minOrNullIf(event.receipt_time, event.status = 'delivered') AS delivered_at
        FROM ({events}) AS event
        GROUP BY event.message_sid
    ) AS fresh
    LEFT JOIN
    (
        {previous}
    ) AS previous ON previous.message_sid = fresh.message_sid
)
WHERE previous_version = 0
    OR toString((account_sid, messaging_service_sid, direction, country, channel, from_address, to_address, number_type, tags, status, status_rank, status_time, error_code, first_event_at, last_event_at, queued_at, sent_at, delivered_at))
        != toString((previous_account_sid, previous_messaging_service_sid, previous_direction, previous_country, previous_channel, previous_from_address, previous_to_address, previous_number_type, previous_tags, previous_status, previous_status_rank, previous_status_time, previous_error_code, previous_first_event_at, previous_last_event_at, previous_queued_at, previous_sent_at, previous_delivered_at))
ORDER BY message_sid
