-- Analytics: what each event's address says (derived by the service with libphonenumber as it writes
-- the event), per-message latency points, per-minute rollups and Twilio's error descriptions.
-- Events stored before this migration keep '' (unknown) in the new columns.

-- country: ISO 3166-1 alpha-2 of the customer's number (To of outbound, From of inbound), '' unknown.
-- number_type: libphonenumber's type in lower case (mobile, fixed_line, toll_free, ...), '' unknown.
-- channel: the address prefix (whatsapp, messenger, rcs, ...), else mms for an MM message SID, else sms.
ALTER TABLE status_events
    ADD COLUMN IF NOT EXISTS country LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS number_type LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS channel LowCardinality(String) DEFAULT '';

-- queued_at, sent_at, delivered_at: the earliest event of each status; delivered_at is the carrier's
-- RawDlrDoneDate (minute precision, YYMMDDhhmm) where the callback carries one.
ALTER TABLE message_state
    ADD COLUMN IF NOT EXISTS country SimpleAggregateFunction(max, String),
    ADD COLUMN IF NOT EXISTS number_type SimpleAggregateFunction(max, String),
    ADD COLUMN IF NOT EXISTS channel SimpleAggregateFunction(max, String),
    ADD COLUMN IF NOT EXISTS tags SimpleAggregateFunction(max, Map(String, String)),
    ADD COLUMN IF NOT EXISTS queued_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    ADD COLUMN IF NOT EXISTS sent_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    ADD COLUMN IF NOT EXISTS delivered_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC')));

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
    count() AS event_count,
    max(toString(country)) AS country,
    max(toString(number_type)) AS number_type,
    max(toString(channel)) AS channel,
    max(tags) AS tags,
    minOrNullIf(event_time, status = 'queued') AS queued_at,
    minOrNullIf(event_time, status = 'sent') AS sent_at,
    minOrNullIf(
        ifNull(toDateTime64(parseDateTimeOrNull(parameters['RawDlrDoneDate'], '%y%m%d%H%i', 'UTC'), 3, 'UTC'), event_time),
        status = 'delivered') AS delivered_at
FROM status_events
GROUP BY message_sid;

-- The resolved state of every message, correct whatever the merge state of message_state.
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
    sum(event_count) AS event_count,
    max(country) AS country,
    max(number_type) AS number_type,
    max(channel) AS channel,
    max(tags) AS tags,
    min(queued_at) AS queued_at,
    min(sent_at) AS sent_at,
    min(delivered_at) AS delivered_at
FROM message_state
GROUP BY message_sid;

-- Events per minute of receipt, for dashboards and alerts at volume. error_code 0: none.
-- own_address: the account's side of the conversation (From of outbound, To of inbound).
-- messages: distinct message SIDs (uniqMerge(messages) to read), so re-read states do not inflate it.
CREATE TABLE IF NOT EXISTS events_per_minute
(
    minute DateTime('UTC'),
    account_sid LowCardinality(String),
    messaging_service_sid LowCardinality(String),
    source LowCardinality(String),
    direction LowCardinality(String),
    status LowCardinality(String),
    error_code UInt32,
    country LowCardinality(String),
    channel LowCardinality(String),
    own_address String,
    events SimpleAggregateFunction(sum, UInt64),
    messages AggregateFunction(uniq, String)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (minute, account_sid, status, error_code, country, channel, messaging_service_sid, source, direction, own_address);

CREATE MATERIALIZED VIEW IF NOT EXISTS events_per_minute_mv TO events_per_minute AS
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
    uniqState(message_sid) AS messages
FROM status_events
GROUP BY minute, account_sid, messaging_service_sid, source, direction, status, error_code, country, channel, own_address;

-- Twilio's error codes with a short description, from schema/twilio-error-codes.tsv (loaded at every
-- migration run; a changed description replaces the old one: the last row inserted wins). Read with FINAL.
CREATE TABLE IF NOT EXISTS twilio_error_codes
(
    code UInt32,
    description String,
    loaded_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
ORDER BY code;
