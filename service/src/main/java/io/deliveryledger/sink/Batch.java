package io.deliveryledger.sink;

import io.deliveryledger.event.RejectedRequest;
import io.deliveryledger.event.StatusEvent;
import io.deliveryledger.journal.JournalMark;

import java.util.List;
import java.util.UUID;

import static java.util.Objects.requireNonNull;

/**
 * Journal records from {@code firstPosition} through {@code last}, decoded. It is acknowledged in the
 * journal only after ClickHouse confirmed every row of it.
 *
 * @param origin the journal and the host writing it (see {@link BatchWriter#origin}), first in every token
 */
record Batch(UUID origin, long firstPosition, JournalMark last, List<Positioned<StatusEvent>> events, List<Positioned<RejectedRequest>> rejectedRequests)
{
    Batch
    {
        requireNonNull(origin, "origin is null");
        requireNonNull(last, "last is null");
        if (firstPosition > last.position()) {
            throw new IllegalArgumentException("positions out of order: " + firstPosition + " > " + last.position());
        }
        events = List.copyOf(events);
        rejectedRequests = List.copyOf(rejectedRequests);
    }

    int size()
    {
        return events.size() + rejectedRequests.size();
    }

    /**
     * The same for every attempt to insert {@code rows} of this batch into {@code table}, and never
     * used for other rows: ClickHouse drops a block whose token it has seen, so a retry after a lost
     * answer stores nothing twice. Rows are in journal order and a later attempt only ever leaves
     * out rows stored meanwhile, so their first and last positions and their number name them.
     */
    String deduplicationToken(String table, List<? extends Positioned<?>> rows)
    {
        return origin + ":" + rows.get(0).position() + "-" + rows.get(rows.size() - 1).position() + "#" + rows.size() + ":" + table;
    }

    record Positioned<T>(long position, T record)
    {
        Positioned
        {
            requireNonNull(record, "record is null");
        }
    }
}
