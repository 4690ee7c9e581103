package io.deliveryledger.intake;

import org.eclipse.jetty.util.UrlEncoded;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class UrlEncodedFormTest
{
    /** Pieces of forms: separators, escapes valid and not, UTF-8 escaped, raw and cut short. */
    private static final List<String> PIECES = List.of("a", "Z", "9", "=", "&", "+", "%", "%2B", "%2b", "%3D", "%26", "%25", "%zz", "%g1", "%4", "%C3%A9", "%c3%a9",
            "%E2%82", "%E2%82%AC", "%F0%9F%9A%80", "%ED%A0%80", "%C0%AF", "%FF", "%00", "é", "\uD83D\uDE80", " ", "MessageSid", "To", "%2B15558675310");

    @Test
    void decodesWhatJettysDecoderDoesAndRefusesWhatItRefuses()
    {
        Random random = new Random(20261202);
        int refused = 0;
        for (int round = 0; round < 20_000; round++) {
            StringBuilder form = new StringBuilder();
            for (int piece = random.nextInt(12); piece > 0; piece--) {
                form.append(PIECES.get(random.nextInt(PIECES.size())));
            }
            byte[] bytes = form.toString().getBytes(StandardCharsets.UTF_8);
            Optional<Map<String, String>> expected = jetty(form.toString());
            // Jetty drops a UTF-8 sequence cut short at the very end of the form (it refuses one anywhere else): refused here.
            if (expected.isEmpty() || jetty(form + "&").isEmpty()) {
                refused++;
                assertThatThrownBy(() -> UrlEncodedForm.decode(bytes, 1000)).as(form.toString()).isInstanceOf(IllegalArgumentException.class);
                continue;
            }
            assertThat(UrlEncodedForm.decode(bytes, 1000)).as(form.toString()).isEqualTo(expected.get());
        }
        // Both outcomes were exercised.
        assertThat(refused).isBetween(2_000, 18_000);
    }

    @Test
    void decodesTwiliosCallback()
    {
        byte[] form = "SmsSid=SM1342fe1b2c904d1ab04f0fc7a58abca9&To=%2B15558675310&From=%2B15017122661&Body=Hello+world%21+%F0%9F%9A%80&Empty=&Flag&&=orphan"
                .getBytes(StandardCharsets.UTF_8);

        assertThat(UrlEncodedForm.decode(form, 1000)).isEqualTo(Map.of("SmsSid", "SM1342fe1b2c904d1ab04f0fc7a58abca9", "To", "+15558675310", "From", "+15017122661",
                "Body", "Hello world! \uD83D\uDE80", "Empty", "", "Flag", "", "", "orphan"));
    }

    @Test
    void firstValueOfANameWinsAndOnlyDistinctNamesCount()
    {
        assertThat(UrlEncodedForm.decode("a=1&b=2&a=3&a=4".getBytes(StandardCharsets.UTF_8), 2)).isEqualTo(Map.of("a", "1", "b", "2"));
        assertThatThrownBy(() -> UrlEncodedForm.decode("a=1&b=2&c=3".getBytes(StandardCharsets.UTF_8), 2))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("Too many fields: more than 2");
    }

    @Test
    void bytesThatAreNotUtf8AreRefusedRawOrEscaped()
    {
        assertThatThrownBy(() -> UrlEncodedForm.decode(new byte[] {'B', '=', (byte) 0xC3, '('}, 1000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Not valid UTF-8 in the name or value at byte 2");
        assertThatThrownBy(() -> UrlEncodedForm.decode("B=%C3(".getBytes(StandardCharsets.UTF_8), 1000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Not valid UTF-8 in the name or value at byte 2");
        assertThatThrownBy(() -> UrlEncodedForm.decode("MessageSid=%zz".getBytes(StandardCharsets.UTF_8), 1000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Not valid encoding '%zz'");
    }

    /** Jetty's decoder as the intake used it, the first value of each name; empty when it refuses the form. */
    private static Optional<Map<String, String>> jetty(String form)
    {
        Map<String, String> decoded = new HashMap<>();
        try {
            UrlEncoded.decodeUtf8To(form, 0, form.length(), decoded::putIfAbsent);
        }
        catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        return Optional.of(Map.copyOf(decoded));
    }
}
