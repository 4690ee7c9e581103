package io.deliveryledger.microbenchmarks;

import java.util.Map;

/** A status callback as Twilio sends it for a delivered SMS (the parameters bench/sign_callbacks.py writes). */
final class Callbacks
{
    static final String ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef";
    static final String MESSAGE_SID = "SM0123456789abcdef0123456789abcdef";
    static final Map<String, String> DELIVERED = Map.of(
            "SmsSid", MESSAGE_SID,
            "SmsStatus", "delivered",
            "MessageStatus", "delivered",
            "To", "+15558675310",
            "MessageSid", MESSAGE_SID,
            "AccountSid", ACCOUNT_SID,
            "From", "+15017122661",
            "ApiVersion", "2010-04-01",
            "RawDlrDoneDate", "2611271530");

    private Callbacks() {}
}
