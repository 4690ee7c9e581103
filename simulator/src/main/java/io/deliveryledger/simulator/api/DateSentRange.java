package io.deliveryledger.simulator.api;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * The list filters {@code DateSent} (that day, or that second), {@code DateSent>} (on or after) and
 * {@code DateSent<} (on or before). Values are {@code YYYY-MM-DD} or ISO-8601 date-times; twilio-java
 * sends {@code yyyy-MM-dd'T'HH:mm:ss} in UTC without a zone, which is read as UTC.
 *
 * @param from inclusive lower bound
 * @param until exclusive upper bound
 */
record DateSentRange(Optional<Instant> from, Optional<Instant> until)
{
    private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
    private static final Pattern ZONED = Pattern.compile(".*(Z|[+-]\\d{2}:?\\d{2})$");

    DateSentRange
    {
        requireNonNull(from, "from is null");
        requireNonNull(until, "until is null");
    }

    static DateSentRange of(Optional<String> on, Optional<String> onOrAfter, Optional<String> onOrBefore)
    {
        Optional<Instant> from = Optional.empty();
        Optional<Instant> until = Optional.empty();
        if (on.isPresent()) {
            Moment moment = parse("DateSent", on.get());
            from = Optional.of(moment.start());
            until = Optional.of(moment.end());
        }
        if (onOrAfter.isPresent()) {
            Instant start = parse("DateSent>", onOrAfter.get()).start();
            from = Optional.of(from.filter(existing -> existing.isAfter(start)).orElse(start));
        }
        if (onOrBefore.isPresent()) {
            Instant end = parse("DateSent<", onOrBefore.get()).end();
            until = Optional.of(until.filter(existing -> existing.isBefore(end)).orElse(end));
        }
        return new DateSentRange(from, until);
    }

    boolean contains(Instant instant)
    {
        return from.map(start -> !instant.isBefore(start)).orElse(true)
                && until.map(instant::isBefore).orElse(true);
    }

    private static Moment parse(String parameter, String rawValue)
    {
        // A '+' of an unencoded offset arrives as a space after form decoding.
        String value = rawValue.trim().replace(' ', '+');
        try {
            if (DATE.matcher(value).matches()) {
                Instant start = LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant();
                return new Moment(start, Duration.ofDays(1));
            }
            Instant instant = ZONED.matcher(value).matches()
                    ? OffsetDateTime.parse(value).toInstant()
                    : LocalDateTime.parse(value).toInstant(ZoneOffset.UTC);
            return new Moment(instant, Duration.ofSeconds(1));
        }
        catch (DateTimeParseException e) {
            throw new InvalidParameterException(parameter, "must be YYYY-MM-DD or an ISO-8601 date-time such as 2015-07-30T20:12:31Z, got '%s'".formatted(rawValue));
        }
    }

    private record Moment(Instant start, Duration length)
    {
        Instant end()
        {
            return start.plus(length);
        }
    }
}
