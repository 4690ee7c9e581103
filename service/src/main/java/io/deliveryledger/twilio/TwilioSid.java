package io.deliveryledger.twilio;

import java.util.regex.Pattern;

/** The formats of the Twilio identifiers the ledger checks, wherever they come in (webhooks, REST resources, API parameters). */
public enum TwilioSid
{
    MESSAGE("(SM|MM)[0-9a-fA-F]{32}", "SM or MM followed by 32 hex digits"),
    ACCOUNT("AC[0-9a-fA-F]{32}", "AC followed by 32 hex digits"),
    MESSAGING_SERVICE("MG[0-9a-fA-F]{32}", "MG followed by 32 hex digits");

    private final Pattern pattern;
    private final String description;

    TwilioSid(String pattern, String description)
    {
        this.pattern = Pattern.compile(pattern);
        this.description = description;
    }

    public boolean matches(String value)
    {
        return pattern.matcher(value).matches();
    }

    public Pattern pattern()
    {
        return pattern;
    }

    /** What a valid SID looks like, for error messages: "AC followed by 32 hex digits". */
    public String description()
    {
        return description;
    }
}
