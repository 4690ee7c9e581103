package io.deliveryledger.analytics;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * What statistics and reports can be grouped by: a fixed set of expressions over {@code message_status},
 * plus {@code tag:<key>} for one of the sender's StatusCallback query parameters. Nothing from a request
 * reaches the SQL text but these expressions; a tag key is bound as a parameter.
 *
 * @param name the name as requested and as the result column is called
 */
public record Dimension(String name, String expression, Optional<String> tagKey)
{
    public static final List<String> BREAKDOWNS = List.of("error_code", "country", "messaging_service", "from", "channel", "tag:<key>");

    private static final String TAG_PREFIX = "tag:";
    private static final Pattern TAG_KEY = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final Map<String, String> EXPRESSIONS = expressions();
    private static final List<String> TIME_BUCKETS = List.of("minute", "hour", "day", "week", "month");

    public Dimension
    {
        requireNonNull(name, "name is null");
        requireNonNull(expression, "expression is null");
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
            return new Dimension(value, "tags[%s]", Optional.of(key));
        }
        String expression = EXPRESSIONS.get(value);
        if (expression == null) {
            throw new InvalidParameterException(parameter, "must be one of %s or tag:<key>, got '%s'".formatted(String.join(", ", EXPRESSIONS.keySet()), InvalidParameterException.shown(value)));
        }
        return new Dimension(value, expression, Optional.empty());
    }

    public boolean isTime()
    {
        return TIME_BUCKETS.contains(name);
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

    private static Map<String, String> expressions()
    {
        Map<String, String> expressions = new LinkedHashMap<>();
        expressions.put("minute", "toStartOfMinute(first_event_at)");
        expressions.put("hour", "toStartOfHour(first_event_at)");
        expressions.put("day", "toStartOfDay(first_event_at)");
        expressions.put("week", "toMonday(first_event_at)");
        expressions.put("month", "toStartOfMonth(first_event_at)");
        expressions.put("status", "status");
        expressions.put("error_code", "ifNull(toString(error_code), '')");
        expressions.put("country", "country");
        expressions.put("number_type", "number_type");
        expressions.put("channel", "channel");
        expressions.put("account", "account_sid");
        expressions.put("messaging_service", "messaging_service_sid");
        expressions.put("from", "from_address");
        expressions.put("direction", "direction");
        return Collections.unmodifiableMap(expressions);
    }
}
