package io.deliveryledger.testing;

import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/** Status callback parameters as Twilio documents them for Programmable Messaging. */
public final class StatusCallbacks
{
    private StatusCallbacks() {}

    public static String messageSid()
    {
        return "SM" + randomHex();
    }

    public static String accountSid()
    {
        return "AC" + randomHex();
    }

    public static String messagingServiceSid()
    {
        return "MG" + randomHex();
    }

    /** An outbound SMS callback as Twilio sends it for {@code status}. */
    public static Map<String, String> callback(String accountSid, String messageSid, String status)
    {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("SmsSid", messageSid);
        parameters.put("SmsStatus", status);
        parameters.put("MessageStatus", status);
        parameters.put("To", "+15558675310");
        parameters.put("MessageSid", messageSid);
        parameters.put("AccountSid", accountSid);
        parameters.put("From", "+15017122661");
        parameters.put("ApiVersion", "2010-04-01");
        if (status.equals("delivered") || status.equals("undelivered")) {
            parameters.put("RawDlrDoneDate", "2611271530");
        }
        return parameters;
    }

    private static String randomHex()
    {
        byte[] bytes = new byte[16];
        ThreadLocalRandom.current().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
