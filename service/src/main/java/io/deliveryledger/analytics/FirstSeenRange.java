package io.deliveryledger.analytics;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static java.util.Objects.requireNonNull;

/**
 * A range of first-seen times in whole minutes, cut into the read model's granularities: whole days in
 * the middle, whole hours around them, minutes at the edges, so that a 30-day range reads about 30 day
 * rows, 46 hour rows and 118 minute rows per key instead of 43,200 minute rows.
 *
 * @param from inclusive, at a whole minute
 * @param to exclusive, at a whole minute
 */
public record FirstSeenRange(Instant from, Instant to)
{
    /** The read model's granularities, finest first, with the name its tables use. */
    public enum Granularity
    {
        MINUTE("minute", Duration.ofMinutes(1)),
        HOUR("hour", Duration.ofHours(1)),
        DAY("day", Duration.ofDays(1));

        private final String columnValue;
        private final Duration length;

        Granularity(String columnValue, Duration length)
        {
            this.columnValue = columnValue;
            this.length = length;
        }

        public String columnValue()
        {
            return columnValue;
        }

        /** Whether whole intervals of this granularity fit in a bucket of {@code bucket} (epoch-aligned). */
        public boolean divides(Duration bucket)
        {
            return bucket.toSeconds() % length.toSeconds() == 0;
        }
    }

    /** An interval of one granularity's rows. */
    public record Piece(Granularity granularity, Instant from, Instant to) {}

    public FirstSeenRange
    {
        requireNonNull(from, "from is null");
        requireNonNull(to, "to is null");
    }

    /** The whole minutes that {@code [from, to)} touches: from rounded down, to rounded up. */
    public static FirstSeenRange covering(Instant from, Instant to)
    {
        Instant start = from.truncatedTo(ChronoUnit.MINUTES);
        Instant end = to.truncatedTo(ChronoUnit.MINUTES);
        return new FirstSeenRange(start, end.equals(to) ? end : end.plus(Duration.ofMinutes(1)));
    }

    /** The pieces, coarsest first, using only {@code allowed} granularities (which must include minutes). */
    public List<Piece> pieces(List<Granularity> allowed)
    {
        List<Piece> pieces = new ArrayList<>();
        List<Granularity> coarsestFirst = Stream.of(Granularity.DAY, Granularity.HOUR, Granularity.MINUTE).filter(allowed::contains).toList();
        split(from, to, coarsestFirst, pieces);
        return pieces;
    }

    private static void split(Instant from, Instant to, List<Granularity> granularities, List<Piece> pieces)
    {
        if (!from.isBefore(to) || granularities.isEmpty()) {
            return;
        }
        Granularity granularity = granularities.get(0);
        if (granularity == Granularity.MINUTE) {
            pieces.add(new Piece(granularity, from, to));
            return;
        }
        long length = granularity.length.toSeconds();
        Instant start = Instant.ofEpochSecond(Math.floorDiv(from.getEpochSecond() + length - 1, length) * length);
        Instant end = Instant.ofEpochSecond(Math.floorDiv(to.getEpochSecond(), length) * length);
        List<Granularity> finer = granularities.subList(1, granularities.size());
        if (!start.isBefore(end)) {
            split(from, to, finer, pieces);
            return;
        }
        pieces.add(new Piece(granularity, start, end));
        split(from, start, finer, pieces);
        split(end, to, finer, pieces);
    }
}
