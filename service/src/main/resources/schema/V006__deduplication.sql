-- Every insert that may be retried carries insert_deduplication_token, and the views fed by an insert
-- check it too (deduplicate_blocks_in_dependent_materialized_views): a retry after a lost answer, or
-- after one view's insert failed, stores each block once in every table. A table that is not
-- Replicated remembers the tokens of its last blocks only with this setting.
ALTER TABLE forbidden_requests MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE reconcile_checks MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE reconciliation_runs MODIFY SETTING non_replicated_deduplication_window = 1000;
-- The targets of status_events' views.
ALTER TABLE message_state MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE events_per_minute MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE status_event_log MODIFY SETTING non_replicated_deduplication_window = 1000;
