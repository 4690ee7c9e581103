package io.deliveryledger.simulator;

import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/** A simulated Twilio account: its SID names it in callbacks and API paths, its auth token signs and authenticates. */
public record Account(String sid, String authToken)
{
    private static final Pattern ACCOUNT_SID = Pattern.compile("AC[0-9a-fA-F]{32}");

    public Account
    {
        requireNonNull(sid, "sid is null");
        requireNonNull(authToken, "authToken is null");
        if (!ACCOUNT_SID.matcher(sid).matches()) {
            throw new IllegalArgumentException("Account SID must be AC followed by 32 hex digits, got: " + sid);
        }
        if (authToken.isEmpty()) {
            throw new IllegalArgumentException("Auth token of account %s is empty".formatted(sid));
        }
    }

    @Override
    public String toString()
    {
        return sid;
    }
}
