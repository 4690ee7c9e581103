-- The migrator's own tables, created before any migration (idempotent, by every instance).

-- Each migration applied, recorded after all its statements succeeded.
CREATE TABLE IF NOT EXISTS schema_migrations
(
    version UInt32,
    name String,
    applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
ORDER BY version;

-- Which instance applies each migration (MigrationClaims): per version, attempts 1, 2, ... (a new one
-- when the winner of the last stopped renewing its claim); the first insert of an attempt, with the
-- deduplication token naming it, wins; the winner adds a row before each statement (renewal).
CREATE TABLE IF NOT EXISTS schema_migration_claims
(
    version UInt32,
    attempt UInt32,
    instance String,
    claimed_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = MergeTree
ORDER BY (version, attempt, claimed_at)
TTL toDateTime(claimed_at) + INTERVAL 90 DAY
SETTINGS non_replicated_deduplication_window = 1000;
