package io.deliveryledger.sink;

import org.jdbi.v3.core.Handle;

/**
 * Opens a ClickHouse connection whose inserts carry {@code insert_deduplication_token}. The token is a
 * connection setting because the driver's binary insert path, several times faster than SQL VALUES,
 * sends no per-statement settings.
 */
@FunctionalInterface
public interface InsertHandles
{
    Handle open(String deduplicationToken);
}
