-- Which instance runs each scheduled reconciliation. Claims are numbered: an instance that finds the
-- latest claim k (of an earlier slot, its run ended) inserts claim k + 1 for its slot with a
-- deduplication token naming the number and the slot. Instances racing for the same number read back
-- the same first row, on one server and across replicas alike, so exactly one of them runs; one that
-- read claim k too late finds k + 1 taken and waits for its run to end.
CREATE TABLE IF NOT EXISTS reconcile_claims
(
    claim UInt64,
    slot String,
    instance String,
    claimed_at DateTime64(3, 'UTC')
)
ENGINE = MergeTree
ORDER BY (claim, claimed_at)
TTL toDateTime(claimed_at) + INTERVAL 30 DAY
SETTINGS non_replicated_deduplication_window = 10000;
