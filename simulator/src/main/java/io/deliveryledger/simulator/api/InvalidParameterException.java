package io.deliveryledger.simulator.api;

import static java.util.Objects.requireNonNull;

/** A query parameter the API cannot use; answered with 400 and a message naming the parameter. */
final class InvalidParameterException
        extends RuntimeException
{
    private static final long serialVersionUID = 1;

    InvalidParameterException(String parameter, String problem)
    {
        super("Invalid %s: %s".formatted(requireNonNull(parameter, "parameter is null"), requireNonNull(problem, "problem is null")));
    }
}
