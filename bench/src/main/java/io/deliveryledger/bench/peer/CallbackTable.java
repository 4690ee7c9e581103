package io.deliveryledger.bench.peer;

import org.jdbi.v3.core.Jdbi;

import static java.util.Objects.requireNonNull;

/** A design's own MergeTree table: created at start, one INSERT ... VALUES per callback. */
public final class CallbackTable
{
    private final Jdbi jdbi;
    private final String table;
    private final String database;

    public CallbackTable(Jdbi jdbi, String database)
    {
        this.jdbi = requireNonNull(jdbi, "jdbi is null");
        this.database = requireNonNull(database, "database is null");
        this.table = database + ".status_callbacks";
    }

    public void create()
    {
        jdbi.useHandle(handle -> {
            handle.execute("CREATE DATABASE IF NOT EXISTS " + database);
            handle.execute("CREATE TABLE IF NOT EXISTS " + table + " ("
                    + "message_sid String, "
                    + "message_status LowCardinality(String), "
                    + "account_sid LowCardinality(String), "
                    + "to_number String, "
                    + "from_number String, "
                    + "error_code Nullable(UInt32), "
                    + "received_at DateTime64(3, 'UTC')"
                    + ") ENGINE = MergeTree ORDER BY (message_sid, received_at)");
        });
    }

    /** Returns once ClickHouse has answered the INSERT; a failure is thrown, never swallowed. */
    public void insert(StatusCallback callback)
    {
        jdbi.useHandle(handle -> handle.createUpdate("INSERT INTO " + table
                        + " (message_sid, message_status, account_sid, to_number, from_number, error_code, received_at)"
                        + " VALUES (:messageSid, :messageStatus, :accountSid, :to, :from, :errorCode, :receivedAt)")
                .bindMethods(callback)
                .execute());
    }
}
