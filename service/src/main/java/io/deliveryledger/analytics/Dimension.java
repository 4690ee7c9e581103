package io.deliveryledger.analytics;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * What statistics and reports can be grouped by: a fixed set of expressions over per-message rows
 * ({@code message_status}, {@code messages_by_minute_current}), plus {@code tag:<key>} for one of the
 * sender's StatusCallback query parameters. Nothing from a request reaches the SQL text but these
 * expressions; a tag key is bound as a parameter.
 *
 * @param name the name as requested and as the result column is called
 * @param countsExpression the same over the read model's count tables that have it ({@code status_counts}, ...)
 * @param bucket for time buckets, their length (a week; a month counts as a day: days fit in it)
 */
public record Dimension(String name, String expression, Optional<String> countsExpression, Optional<Duration> bucket, Optional<String> tagKey)
{
    public static final List<String> BREAKDOWNS = List.of("error_code", "country", "messaging_service", "from", "channel", "tag:<key>");

    private static final String TAG_PREFIX = "tag:";
    private static final Pattern TAG_KEY = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final Map<String, Dimension> DIMENSIONS = dimensions();

    public Dimension
    {
        requireNonNull(name, "name is null");
        requireNonNull(expression, "expression is null");
        requireNonNull(countsExpression, "countsExpression is null");
        requireNonNull(bucket, "bucket is null");
        requireNonNull(tagKey, "tagKey is null");
    }

    /** One of {@link #BREAKDOWNS}. */
    public static Dimension breakdown(String parameter, String value)
    {
        if (!value.startsWith(TAG_PREFIX) && !BREAKDOWNS.contains(value)) {
            throw new InvalidParameterException(parameter, "must be one of %s, got '%s'".formatted(String.join(", ", BREAKDOWNS), InvalidParameterException.shown(value)));
        }
        return parse(parameter, value);
    }

    /** Any dimension, time buckets ({@code day}, ...) included: what reports can be grouped by. */
    public static Dimension parse(String parameter, String value)
    {
        if (value.startsWith(TAG_PREFIX)) {
            String key = value.substring(TAG_PREFIX.length());
            if (!TAG_KEY.matcher(key).matches()) {
                throw new InvalidParameterException(parameter, "must name a tag as tag:<key>, the key of letters, digits, '_', '.' or '-' (up to 64), got '%s'".formatted(InvalidParameterException.shown(value)));
            }
            return new Dimension(value, "tags[%s]", Optional.empty(), Optional.empty(), Optional.of(key));
        }
        Dimension dimension = DIMENSIONS.get(value);
        if (dimension == null) {
            throw new InvalidParameterException(parameter, "must be one of %s or tag:<key>, got '%s'".formatted(String.join(", ", DIMENSIONS.keySet()), InvalidParameterException.shown(value)));
        }
        return dimension;
    }

    public boolean isTime()
    {
        return bucket.isPresent();
    }

    /** The expression, with the tag key bound into {@code sql}. */
    public String expression(Sql.Builder sql)
    {
        return tagKey.map(key -> expression.formatted(sql.bind(key, "String"))).orElse(expression);
    }

    /** The result column's name, quoted: a tag's name contains ':'. */
    public String alias()
    {
        return "`" + name + "`";
    }

    private static Map<String, Dimension> dimensions()
    {
        Map<String, Dimension> dimensions = new LinkedHashMap<>();
        time(dimensions, "minute", "toStartOfMinute(%s)", Duration.ofMinutes(1));
        time(dimensions, "hour", "toStartOfHour(%s)", Duration.ofHours(1));
        time(dimensions, "day", "toStartOfDay(%s)", Duration.ofDays(1));
        time(dimensions, "week", "toMonday(%s)", Duration.ofDays(7));
        time(dimensions, "month", "toStartOfMonth(%s)", Duration.ofDays(1));
        counted(dimensions, "status", "status", "status");
        counted(dimensions, "error_code", "ifNull(toString(error_code), '')", "if(error_code = 0, '', toString(error_code))");
        counted(dimensions, "country", "country", "country");
        dimensions.put("number_type", new Dimension("number_type", "number_type", Optional.empty(), Optional.empty(), Optional.empty()));
        counted(dimensions, "channel", "channel", "channel");
        counted(dimensions, "account", "account_sid", "account_sid");
        counted(dimensions, "messaging_service", "messaging_service_sid", "messaging_service_sid");
        counted(dimensions, "from", "from_address", "from_address");
        counted(dimensions, "direction", "direction", "direction");
        return Collections.unmodifiableMap(dimensions);
    }

    private static void time(Map<String, Dimension> dimensions, String name, String function, Duration bucket)
    {
        dimensions.put(name, new Dimension(name, function.formatted("first_event_at"), Optional.of(function.formatted("time")), Optional.of(bucket), Optional.empty()));
    }

    private static void counted(Map<String, Dimension> dimensions, String name, String expression, String countsExpression)
    {
        dimensions.put(name, new Dimension(name, expression, Optional.of(countsExpression), Optional.empty(), Optional.empty()));
    }
}
