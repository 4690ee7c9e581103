package io.deliveryledger.intake;

import org.eclipse.jetty.util.UrlEncoded;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The form body of a status callback, decoded as the service does ({@link WebhookRequestReader#formParameters}:
 * {@link UrlEncodedForm} on the body's bytes), as it did before commit 666e54d (Jetty's {@code UrlEncoded} on
 * the body read whole as a string) and before that (Jetty's stream decoder, the baseline). In this package
 * because the decoders are package-private.
 */
@State(Scope.Benchmark)
public class FormDecodingBenchmark
{
    // The body bench/sign_callbacks.py writes: Twilio's parameters of a "delivered" SMS callback.
    static final byte[] BODY = ("SmsSid=SM0123456789abcdef0123456789abcdef&SmsStatus=delivered&MessageStatus=delivered"
            + "&To=%2B15558675310&MessageSid=SM0123456789abcdef0123456789abcdef&AccountSid=AC0123456789abcdef0123456789abcdef"
            + "&From=%2B15017122661&ApiVersion=2010-04-01&RawDlrDoneDate=2611271530").getBytes(StandardCharsets.US_ASCII);

    @Benchmark
    public Map<String, String> jettyStreamDecoder()
            throws IOException
    {
        Map<String, String> decoded = new LinkedHashMap<>();
        UrlEncoded.decodeUtf8To(new ByteArrayInputStream(BODY), decoded::putIfAbsent, WebhookRequestReader.MAX_BODY_BYTES, 1000);
        return Map.copyOf(decoded);
    }

    @Benchmark
    public Map<String, String> jettyWholeBody()
    {
        String body = new String(BODY, StandardCharsets.UTF_8);
        Map<String, String> decoded = new LinkedHashMap<>();
        UrlEncoded.decodeUtf8To(body, 0, body.length(), decoded::putIfAbsent);
        return Map.copyOf(decoded);
    }

    @Benchmark
    public Map<String, String> urlEncodedForm()
            throws MalformedWebhookException
    {
        return WebhookRequestReader.formParameters(BODY);
    }
}
