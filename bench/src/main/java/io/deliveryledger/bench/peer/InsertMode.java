package io.deliveryledger.bench.peer;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Arrays;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * The two designs a user would write instead of the service's journal and batches: one synchronous
 * INSERT per callback, or one INSERT per callback that ClickHouse itself gathers into parts
 * ({@code async_insert}). Both answer Twilio only after the INSERT returns; with
 * {@code wait_for_async_insert=1} that is after ClickHouse has flushed the gathered part, so in both
 * designs "200" means "stored in ClickHouse".
 */
public enum InsertMode
{
    // async_insert=0 stated, not left to the server: the embedded ClickHouse 26.7 here reports 1 as its default.
    PER_INSERT("per-insert", "peer_per_insert", Map.of("async_insert", "0")),
    ASYNC_INSERT("async-insert", "peer_async_insert", Map.of("async_insert", "1", "wait_for_async_insert", "1"));

    private final String configName;
    private final String database;
    private final Map<String, String> settings;

    InsertMode(String configName, String database, Map<String, String> settings)
    {
        this.configName = requireNonNull(configName, "configName is null");
        this.database = requireNonNull(database, "database is null");
        this.settings = Map.copyOf(settings);
    }

    @JsonCreator
    public static InsertMode fromConfigName(String name)
    {
        return Arrays.stream(values())
                .filter(mode -> mode.configName.equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("mode must be per-insert or async-insert, got '" + name + "'"));
    }

    @JsonValue
    public String configName()
    {
        return configName;
    }

    /** Each design writes to a database of its own, so their row counts can be checked apart. */
    public String database()
    {
        return database;
    }

    /** ClickHouse settings for every query of this design's connections. */
    public Map<String, String> settings()
    {
        return settings;
    }
}
