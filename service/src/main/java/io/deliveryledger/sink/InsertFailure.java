package io.deliveryledger.sink;

import com.clickhouse.client.api.ServerException;
import com.clickhouse.client.api.serde.DataSerializationException;

import java.sql.SQLDataException;
import java.util.Set;

/**
 * Why an insert failed, and so what to do about it, after Vector's ClickHouse sink: ClickHouse
 * refusing the rows themselves will refuse them again, so retrying stalls the journal behind them;
 * everything else (connection, timeout, too many parts, memory, a missing table or grant the operator
 * will fix) is worth retrying.
 */
enum InsertFailure
{
    /** Retry the same insert after a backoff. */
    RETRYABLE,
    /** Some rows are unacceptable to ClickHouse: find them, set them aside, store the rest. */
    REFUSED_DATA;

    /**
     * ClickHouse's codes for values it cannot take (ErrorCodes.cpp): cannot parse (6, 26, 27, 38, 41,
     * 72), type mismatch or conversion (53, 70), argument or value out of range (69, 321), too large a
     * string (131), incorrect data (117), a throwIf in a view (395), a violated constraint (469).
     */
    private static final Set<Integer> DATA_ERROR_CODES = Set.of(6, 26, 27, 38, 41, 53, 69, 70, 72, 117, 131, 321, 395, 469);

    static InsertFailure classify(Throwable failure)
    {
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof ServerException server) {
                return DATA_ERROR_CODES.contains(server.getCode()) ? REFUSED_DATA : RETRYABLE;
            }
            // The driver could not encode a value for the column's type: the server never saw it.
            if (cause instanceof SQLDataException || cause instanceof DataSerializationException) {
                return REFUSED_DATA;
            }
        }
        return RETRYABLE;
    }

    static Throwable rootCause(Throwable failure)
    {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }
}
