package io.deliveryledger.readmodel;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.insert.InsertSettings;
import com.clickhouse.client.api.query.QueryResponse;
import com.clickhouse.client.api.query.QuerySettings;
import com.clickhouse.data.ClickHouseFormat;
import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deliveryledger.readmodel.ReadModelStatements.Source;
import io.deliveryledger.schema.SchemaMigrator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;

import static java.util.Objects.requireNonNull;

/**
 * Keeps the read model (schema V005) up to date: every event that reaches {@code status_events}, by any
 * path, is logged with the time of its insert in {@code status_event_log}; this class applies that log
 * one second of insert time (a slice) at a time, once the slice is {@code settleTime} old, so that
 * inserts still committing when the slice ended are in it. For the messages of a slice it merges
 * their new events into the state it counted last and writes the changes ({@code read_model_changes}),
 * from which views derive the counts.
 *
 * <p>Why several appliers (one per service instance) are harmless: a slice's changes are a function
 * of the slice's events and of the states written by earlier slices only ({@code version < slice}),
 * its rows are sent ordered, and every insert carries a deduplication token naming the slice and the
 * part. Whoever inserts a part first wins; a second applier's insert of the same part, or a retry
 * after a failure, is dropped by ClickHouse in every table of the read model. Appliers skip ahead to
 * the highest slice any of them recorded.
 *
 * <p>The first build (after the migration that created the read model) and {@link #rebuild()} count
 * every message of {@code status_events} inserted before a fixed time, recorded in
 * {@code read_model_progress}, so concurrent builds send the same parts under the same tokens too.
 */
public final class ReadModelApplier
{
    /** A slice's length. Part of the deduplication tokens: every applier of a database must use the same. */
    public static final Duration SLICE = Duration.ofSeconds(1);
    /** Slices restart this long before a build's time, so that events inserted while it ran are merged too. */
    static final Duration BUILD_OVERLAP = Duration.ofMinutes(1);
    private static final Duration IDLE_RECORD_INTERVAL = Duration.ofHours(1);
    /** How long status_event_log keeps events (its TTL, schema V005). */
    static final Duration LOG_RETENTION = Duration.ofDays(7);
    /** A step holds the changes of at most about this many messages per insert. */
    static final long MESSAGES_PER_PART = 200_000;
    private static final Logger log = LoggerFactory.getLogger(ReadModelApplier.class);
    private static final DateTimeFormatter CLICKHOUSE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC);
    private static final List<String> READ_MODEL_TABLES = List.of(
            "read_model_progress", "read_model_state", "status_counts", "sender_counts", "tag_counts", "latency_histograms", "messages_by_minute", "pending_messages");

    private final Client client;
    private final SchemaMigrator migrator;
    private final ObjectMapper objectMapper;
    private final Duration settleTime;
    private final String applierName;
    private final Clock clock;
    private final ReadModelStatements statements = new ReadModelStatements();
    private final Counter slicesApplied;
    private final Counter changesWritten;
    private volatile Optional<Instant> appliedThrough = Optional.empty();

    /**
     * @param settleTime how long after a slice ends it is applied: longer than an insert into
     * {@code status_events} takes to commit
     * @param applierName recorded with each slice, to tell instances apart
     */
    public ReadModelApplier(Client client, SchemaMigrator migrator, ObjectMapper objectMapper, Duration settleTime, String applierName, Clock clock, MetricRegistry metrics)
    {
        this.client = requireNonNull(client, "client is null");
        this.migrator = requireNonNull(migrator, "migrator is null");
        this.objectMapper = requireNonNull(objectMapper, "objectMapper is null");
        this.settleTime = requireNonNull(settleTime, "settleTime is null");
        this.applierName = requireNonNull(applierName, "applierName is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.slicesApplied = metrics.counter("readmodel.slices-applied");
        this.changesWritten = metrics.counter("readmodel.messages-changed");
        metrics.gauge("readmodel.lag-seconds", () -> () -> appliedThrough.map(through -> Duration.between(through, clock.instant()).toMillis() / 1000.0).orElse(-1.0));
    }

    /**
     * Builds the read model if it was never built, then applies every settled slice that holds events.
     * Returns the number of slices applied.
     */
    public synchronized int applyAvailable()
    {
        migrator.migrate();
        Progress progress = progress();
        if (progress.built().isEmpty()) {
            if (progress.created().isEmpty()) {
                throw new IllegalStateException("The read model's tables have no creation record: apply the schema migrations, or run rebuild-read-model");
            }
            build(progress.created().get());
            progress = progress();
        }
        long position = progress.built().getAsLong();
        if (position < clock.millis() - LOG_RETENTION.toMillis()) {
            throw new IllegalStateException("The read model was last applied at %s, before the oldest events status_event_log keeps (%s): run rebuild-read-model"
                    .formatted(Instant.ofEpochMilli(position), LOG_RETENTION));
        }
        long horizon = floorToSlice(clock.millis() - settleTime.toMillis());
        int applied = 0;
        while (position < horizon) {
            OptionalLong next = firstLoggedAt(position, horizon);
            if (next.isEmpty()) {
                // Nothing to apply: record that now and then, so that a quiet week is not taken for
                // an applier too far behind the log.
                if (horizon - position > IDLE_RECORD_INTERVAL.toMillis()) {
                    recordProgress(horizon, "slice", 0);
                }
                position = horizon;
                break;
            }
            long start = floorToSlice(next.getAsLong());
            long end = start + SLICE.toMillis();
            long messages = applyStep(Source.SLICE, end, sliceParameters(start, end), "slice");
            recordProgress(end, "slice", messages);
            slicesApplied.inc();
            applied++;
            // Another applier may be ahead: skip what it recorded.
            position = Math.max(end, progress().built().orElse(end));
        }
        appliedThrough = Optional.of(Instant.ofEpochMilli(position));
        return applied;
    }

    /** Where the read model is complete: every event logged before this instant is counted. */
    public Optional<Instant> appliedThrough()
    {
        return appliedThrough;
    }

    /**
     * Empties the read model and builds it again from {@code status_events}. Appliers of other instances
     * must be stopped meanwhile (readModel.apply: false): refuses when a slice was applied within
     * {@code activeWithin} and {@code force} is false.
     */
    public synchronized BuildResult rebuild(Duration activeWithin, boolean force)
    {
        migrator.migrate();
        Optional<Instant> lastSlice = single("SELECT if(count() = 0, NULL, toUnixTimestamp64Milli(max(applied_at))) AS value FROM read_model_progress WHERE kind = 'slice'", Map.of())
                .map(Instant::ofEpochMilli);
        if (!force && lastSlice.isPresent() && lastSlice.get().isAfter(clock.instant().minus(activeWithin))) {
            throw new IllegalStateException("An applier recorded a slice at %s, less than %s ago: stop the services' appliers (readModel.apply: false) before rebuilding, or force it".formatted(lastSlice.get(), activeWithin));
        }
        for (String table : READ_MODEL_TABLES) {
            execute("TRUNCATE TABLE " + table, Map.of());
        }
        Instant createdAt = Instant.ofEpochMilli(clock.millis());
        execute("INSERT INTO read_model_progress (version, kind, messages, applied_at, applier) SELECT 0, 'created', 0, {created_at:DateTime64(3, 'UTC')}, {applier:String}",
                Map.of("created_at", clickHouseTime(createdAt), "applier", applierName));
        return build(createdAt);
    }

    /**
     * Counts the events inserted before {@code createdAt}, one day of receipt after the other (each day a
     * step merged into the states of the days before, so the work grows with the events, not with
     * days times events), as version {@code createdAt - BUILD_OVERLAP}, after which slices continue.
     */
    private BuildResult build(Instant createdAt)
    {
        long version = floorToSlice(createdAt.toEpochMilli() - BUILD_OVERLAP.toMillis());
        log.info("Building the read model from the events inserted before {}", createdAt);
        long started = System.nanoTime();
        Map<String, Object> built = Map.of("built_before", clickHouseTime(createdAt));
        List<Long> days = rows(statements.receivedDays(), built).stream().map(row -> row.get("day").asLong()).toList();
        for (int index = 0; index < days.size(); index++) {
            Instant day = Instant.ofEpochSecond(days.get(index));
            Map<String, Object> parameters = new HashMap<>(built);
            parameters.put("received_from", clickHouseTime(day));
            parameters.put("received_to", clickHouseTime(day.plus(Duration.ofDays(1))));
            // Days are versions 1, 2, ...: below the build's version and every slice's.
            applyStep(Source.BUILD, index + 1, parameters, "build:" + version);
            if ((index + 1) % 10 == 0) {
                log.info("Read model build: {} of {} days of receipt counted", index + 1, days.size());
            }
        }
        long messages = single("SELECT uniqExact(message_sid) FROM status_events WHERE inserted_at < {built_before:DateTime64(3, 'UTC')}", built).orElse(0L);
        recordProgress(version, "build", messages);
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        log.info("Read model built: {} messages in {} s", messages, took.toSeconds());
        return new BuildResult(messages, took);
    }

    /** Writes the changes of one step, part by part; returns the number of messages it read. */
    private long applyStep(Source source, long version, Map<String, Object> sourceParameters, String tokenPrefix)
    {
        long messages = single(statements.messagesOf(source), sourceParameters).orElse(0L);
        long parts = Math.max(1, (messages + MESSAGES_PER_PART - 1) / MESSAGES_PER_PART);
        for (long part = 0; messages > 0 && part < parts; part++) {
            Map<String, Object> parameters = new HashMap<>(sourceParameters);
            parameters.put("version", version);
            parameters.put("parts", parts);
            parameters.put("part", part);
            String token = "read-model:%s:%d:%d/%d".formatted(tokenPrefix, version, part, parts);
            insertChanges(statements.changesOf(source), parameters, token);
            if (parts > 1) {
                log.debug("Read model step {}: part {} of {} written", token, part + 1, parts);
            }
        }
        changesWritten.inc(messages);
        return messages;
    }

    /** Streams the query's rows into read_model_changes: the service never holds or decodes them. */
    private void insertChanges(String sql, Map<String, Object> parameters, String token)
    {
        QuerySettings querySettings = new QuerySettings().setFormat(ClickHouseFormat.RowBinaryWithNamesAndTypes);
        InsertSettings insertSettings = new InsertSettings()
                .setDeduplicationToken(token)
                .serverSetting("deduplicate_blocks_in_dependent_materialized_views", "1")
                // One block per part, so that a retried part is deduplicated as a whole.
                .serverSetting("input_format_parallel_parsing", "0")
                .serverSetting("max_insert_block_size", String.valueOf(MESSAGES_PER_PART * 4));
        try (QueryResponse response = client.query(sql, parameters, querySettings).get()) {
            client.insert("read_model_changes", response.getInputStream(), ClickHouseFormat.RowBinaryWithNamesAndTypes, insertSettings).get().close();
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while writing read model changes (" + token + ")", e);
        }
        catch (ExecutionException e) {
            throw new IllegalStateException("Writing read model changes (" + token + ") failed: " + e.getCause().getMessage(), e.getCause());
        }
        catch (Exception e) {
            throw new IllegalStateException("Writing read model changes (" + token + ") failed: " + e.getMessage(), e);
        }
    }

    private void recordProgress(long version, String kind, long messages)
    {
        execute("INSERT INTO read_model_progress (version, kind, messages, applier) SELECT {version:UInt64}, {kind:String}, {messages:UInt64}, {applier:String}",
                Map.of("version", version, "kind", kind, "messages", messages, "applier", applierName));
    }

    /**
     * The table gains a record for every second that held events, some 31 million a year, and this runs
     * twice per slice: both halves read in the key's order and stop at their first row (a granule or two),
     * where aggregates over the table would read every record ever written. A creation record has version 0.
     */
    private Progress progress()
    {
        Map<String, Long> records = new HashMap<>();
        rows("""
                SELECT record, value FROM
                (
                    SELECT 'created' AS record, toUnixTimestamp64Milli(applied_at) AS value FROM read_model_progress
                    WHERE version = 0 AND kind = 'created' ORDER BY applied_at LIMIT 1
                )
                UNION ALL
                SELECT record, value FROM
                (
                    SELECT 'applied' AS record, toInt64(version) AS value FROM read_model_progress
                    WHERE kind IN ('build', 'slice') ORDER BY version DESC LIMIT 1
                )""", Map.of())
                .forEach(row -> records.put(row.get("record").asText(), row.get("value").asLong()));
        return new Progress(
                Optional.ofNullable(records.get("created")).map(Instant::ofEpochMilli),
                Optional.ofNullable(records.get("applied")).map(OptionalLong::of).orElse(OptionalLong.empty()));
    }

    private OptionalLong firstLoggedAt(long from, long to)
    {
        Optional<Long> first = single("""
                SELECT if(count() = 0, NULL, toUnixTimestamp64Milli(min(logged_at))) AS value
                FROM status_event_log
                WHERE logged_at >= {slice_from:DateTime64(3, 'UTC')} AND logged_at < {slice_to:DateTime64(3, 'UTC')}""", sliceParameters(from, to));
        return first.map(OptionalLong::of).orElse(OptionalLong.empty());
    }

    private static Map<String, Object> sliceParameters(long fromMillis, long toMillis)
    {
        return Map.of("slice_from", clickHouseTime(Instant.ofEpochMilli(fromMillis)), "slice_to", clickHouseTime(Instant.ofEpochMilli(toMillis)));
    }

    private static long floorToSlice(long epochMillis)
    {
        return Math.floorDiv(epochMillis, SLICE.toMillis()) * SLICE.toMillis();
    }

    private static String clickHouseTime(Instant instant)
    {
        return CLICKHOUSE_TIME.format(instant);
    }

    private Optional<Long> single(String sql, Map<String, Object> parameters)
    {
        JsonNode value = rows(sql, parameters).get(0).elements().next();
        return value.isNull() ? Optional.empty() : Optional.of(value.asLong());
    }

    private void execute(String sql, Map<String, Object> parameters)
    {
        rows(sql, parameters);
    }

    private List<JsonNode> rows(String sql, Map<String, Object> parameters)
    {
        List<JsonNode> rows = new ArrayList<>();
        try (QueryResponse response = client.query(sql, parameters, new QuerySettings().setFormat(ClickHouseFormat.JSONEachRow)
                        .serverSetting("output_format_json_quote_64bit_integers", "0")).get();
                BufferedReader reader = new BufferedReader(new InputStreamReader(response.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (!line.isBlank()) {
                    rows.add(objectMapper.readTree(line));
                }
            }
            return rows;
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot read the result of: " + sql, e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while querying ClickHouse", e);
        }
        catch (ExecutionException e) {
            throw new IllegalStateException("ClickHouse query failed: " + e.getCause().getMessage(), e.getCause());
        }
        catch (Exception e) {
            throw new IllegalStateException("ClickHouse query failed: " + e.getMessage(), e);
        }
    }

    /** @param built the highest slice or build applied, in epoch milliseconds */
    private record Progress(Optional<Instant> created, OptionalLong built) {}

    public record BuildResult(long messages, Duration took) {}
}
