package io.deliveryledger.analytics;

import static java.util.Objects.requireNonNull;

/** A request parameter that cannot be used, with what is allowed instead; answered with 400. */
public final class InvalidParameterException
        extends IllegalArgumentException
{
    private final String parameter;

    public InvalidParameterException(String parameter, String message)
    {
        super("Parameter '%s' %s".formatted(requireNonNull(parameter, "parameter is null"), requireNonNull(message, "message is null")));
        this.parameter = parameter;
    }

    public String parameter()
    {
        return parameter;
    }

    /** The rejected value as shown in a message: long values are cut, so an answer stays short. */
    public static String shown(String value)
    {
        return value.length() <= 64 ? value : value.substring(0, 64) + "...";
    }
}
