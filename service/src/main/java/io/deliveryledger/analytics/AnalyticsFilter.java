package io.deliveryledger.analytics;

import io.deliveryledger.twilio.TwilioSid;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * Which messages a statistic or report covers: those first seen in {@code [from, to)}, optionally of
 * one account, messaging service, destination country and channel, and carrying every given tag.
 */
public record AnalyticsFilter(
        Instant from,
        Instant to,
        Optional<String> accountSid,
        Optional<String> messagingServiceSid,
        Optional<String> country,
        Optional<String> channel,
        Map<String, String> tags)
{
    public static final Duration DEFAULT_RANGE = Duration.ofDays(7);

    private static final Pattern COUNTRY = Pattern.compile("[A-Z]{2}");
    private static final Pattern CHANNEL = Pattern.compile("[a-z][a-z0-9_-]{0,31}");
    private static final Pattern TAG = Pattern.compile("([A-Za-z0-9_.-]{1,64}):(.{0,256})");

    public AnalyticsFilter
    {
        requireNonNull(from, "from is null");
        requireNonNull(to, "to is null");
        requireNonNull(accountSid, "accountSid is null");
        requireNonNull(messagingServiceSid, "messagingServiceSid is null");
        requireNonNull(country, "country is null");
        requireNonNull(channel, "channel is null");
        tags = Map.copyOf(tags);
        if (!from.isBefore(to)) {
            throw new InvalidParameterException("from", "must be before 'to' (%s), got %s".formatted(to, from));
        }
    }

    /**
     * Reads the request parameters; a missing {@code to} is {@code now} (to the millisecond, as ClickHouse
     * stores times), a missing {@code from} is
     * {@link #DEFAULT_RANGE} before {@code to}. Every parameter is checked against what it may be.
     */
    public static AnalyticsFilter parse(
            Optional<String> from,
            Optional<String> to,
            Optional<String> accountSid,
            Optional<String> messagingServiceSid,
            Optional<String> country,
            Optional<String> channel,
            List<String> tags,
            Instant now)
    {
        Instant end = to.map(value -> instant("to", value)).orElse(now.truncatedTo(ChronoUnit.MILLIS));
        Instant start = from.map(value -> instant("from", value)).orElse(end.minus(DEFAULT_RANGE));
        Map<String, String> tagValues = new LinkedHashMap<>();
        for (String tag : tags) {
            Matcher matcher = TAG.matcher(tag);
            if (!matcher.matches()) {
                throw new InvalidParameterException("tag", "must be key:value, the key of letters, digits, '_', '.' or '-' (up to 64), got '%s'".formatted(InvalidParameterException.shown(tag)));
            }
            tagValues.put(matcher.group(1), matcher.group(2));
        }
        return new AnalyticsFilter(
                start,
                end,
                matching("accountSid", accountSid, TwilioSid.ACCOUNT.pattern(), TwilioSid.ACCOUNT.description()),
                matching("messagingServiceSid", messagingServiceSid, TwilioSid.MESSAGING_SERVICE.pattern(), TwilioSid.MESSAGING_SERVICE.description()),
                matching("country", country, COUNTRY, "an ISO 3166-1 alpha-2 code in capitals, e.g. GB"),
                matching("channel", channel, CHANNEL, "a channel name in lower case, e.g. sms, mms, whatsapp, messenger, rcs"),
                tagValues);
    }

    /** Accepts an instant with an offset ({@code 2026-11-27T10:00:00Z}) or a date, taken as UTC midnight. */
    public static Instant instant(String parameter, String value)
    {
        try {
            if (value.length() == 10) {
                return LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            return OffsetDateTime.parse(value).toInstant();
        }
        catch (DateTimeParseException e) {
            throw new InvalidParameterException(parameter, "must be an ISO-8601 time with offset (2026-11-27T10:00:00Z) or a date (2026-11-27), got '%s'".formatted(InvalidParameterException.shown(value)));
        }
    }

    private static Optional<String> matching(String parameter, Optional<String> value, Pattern pattern, String allowed)
    {
        if (value.isPresent() && !pattern.matcher(value.get()).matches()) {
            throw new InvalidParameterException(parameter, "must be %s, got '%s'".formatted(allowed, InvalidParameterException.shown(value.get())));
        }
        return value;
    }
}
