package io.deliveryledger.analytics;

import java.util.LinkedHashMap;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * A ClickHouse query whose values are all bound server-side as typed query parameters
 * ({@code {p0:String}}); only whitelisted identifiers and expressions are ever written into its text.
 */
public record Sql(String text, Map<String, Object> parameters)
{
    public Sql
    {
        requireNonNull(text, "text is null");
        parameters = Map.copyOf(parameters);
    }

    /** Collects the text and the parameters of one query. */
    public static final class Builder
    {
        private final StringBuilder text = new StringBuilder();
        private final Map<String, Object> parameters = new LinkedHashMap<>();

        public Builder append(String sql)
        {
            text.append(sql);
            return this;
        }

        /** Returns the placeholder for {@code value} as the ClickHouse {@code type}, to write into the text. */
        public String bind(Object value, String type)
        {
            requireNonNull(value, "value is null");
            String name = "p" + parameters.size();
            parameters.put(name, value instanceof String text ? escaped(text) : value);
            return "{" + name + ":" + type + "}";
        }

        /**
         * ClickHouse reads a query parameter's value in its escaped format: unescaped, a tag value with a
         * backslash would match other text ({@code \b} reads as a backspace) and one with a tab or a
         * newline would fail the query.
         */
        private static String escaped(String value)
        {
            StringBuilder escaped = new StringBuilder(value.length());
            for (int index = 0; index < value.length(); index++) {
                char next = value.charAt(index);
                switch (next) {
                    case '\\' -> escaped.append("\\\\");
                    case '\t' -> escaped.append("\\t");
                    case '\n' -> escaped.append("\\n");
                    default -> escaped.append(next);
                }
            }
            return escaped.toString();
        }

        public Sql build()
        {
            return new Sql(text.toString(), parameters);
        }
    }
}
