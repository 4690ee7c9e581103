-- Which instance runs each scheduled reconciliation. Every instance tries to claim the slot (the
-- schedule's interval it is in) with an insert whose deduplication token names the slot: ClickHouse
-- keeps the first such insert and drops the others, on one server and across replicas alike, so
-- exactly one instance finds its own name and runs.
CREATE TABLE IF NOT EXISTS reconcile_claims
(
    slot String,
    instance String,
    claimed_at DateTime64(3, 'UTC')
)
ENGINE = MergeTree
ORDER BY (slot, claimed_at)
TTL toDateTime(claimed_at) + INTERVAL 30 DAY
SETTINGS non_replicated_deduplication_window = 10000;
