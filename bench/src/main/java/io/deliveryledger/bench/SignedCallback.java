package io.deliveryledger.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * One pre-signed status callback of a file that bench/sign_callbacks.py wrote: a line
 * {@code X-Twilio-Signature TAB I-Twilio-Idempotency-Token TAB form body}. The message SID is kept apart
 * so that the freshness probe can ask the API for the message once the callback is acknowledged.
 */
record SignedCallback(String signature, String idempotencyToken, byte[] body, String messageSid)
{
    private static final String MESSAGE_SID_PARAMETER = "MessageSid=";

    SignedCallback
    {
        requireNonNull(signature, "signature is null");
        requireNonNull(idempotencyToken, "idempotencyToken is null");
        requireNonNull(body, "body is null");
        requireNonNull(messageSid, "messageSid is null");
    }

    static SignedCallback parse(String line)
    {
        String[] fields = line.split("\t", 3);
        if (fields.length != 3) {
            throw new IllegalArgumentException("not signature TAB token TAB body: " + abbreviated(line));
        }
        return new SignedCallback(fields[0], fields[1], fields[2].getBytes(StandardCharsets.US_ASCII), messageSid(fields[2]));
    }

    /** Every line of the file, in order; at least {@code needed} of them, or it says how many are missing. */
    static List<SignedCallback> readAll(Path file, long needed)
            throws IOException
    {
        List<SignedCallback> callbacks = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII)) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (!line.isEmpty()) {
                    callbacks.add(parse(line));
                }
            }
        }
        // Repeating callbacks would turn the service's work into duplicate detection: refuse instead.
        if (callbacks.size() < needed) {
            throw new IllegalArgumentException(file + " has " + callbacks.size() + " callbacks; the schedule needs " + needed);
        }
        return callbacks;
    }

    private static String messageSid(String body)
    {
        for (String parameter : body.split("&")) {
            if (parameter.startsWith(MESSAGE_SID_PARAMETER)) {
                return parameter.substring(MESSAGE_SID_PARAMETER.length());
            }
        }
        throw new IllegalArgumentException("no MessageSid in the body " + abbreviated(body));
    }

    private static String abbreviated(String text)
    {
        return text.length() <= 120 ? text : text.substring(0, 120) + "...";
    }
}
