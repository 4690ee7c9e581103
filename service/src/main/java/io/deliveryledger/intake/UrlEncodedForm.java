package io.deliveryledger.intake;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Decodes {@code application/x-www-form-urlencoded} bytes, a form body or a URL's query, into the first
 * value of each name: names and values are split at {@code &} and the first {@code =}, a {@code +} is a
 * space, {@code %XX} is a byte, and the bytes are UTF-8; an empty pair ({@code &&}) is skipped. That is what
 * Jetty's {@code UrlEncoded} accepts, and its test holds it to that, but it works on the bytes as they
 * came: Jetty's decoder took the text a character at a time through a builder per name and value, a sixth
 * of the intake's CPU and a fifth of what it allocated (bench/README.md, "Where the time goes"). Names and
 * values without escapes, most of Twilio's, become strings in one copy.
 */
final class UrlEncodedForm
{
    private UrlEncodedForm() {}

    /**
     * @throws IllegalArgumentException when a {@code %} is not followed by two hex digits or the bytes are not UTF-8
     * @throws IllegalStateException when there are more than {@code maxParameters} names
     */
    static Map<String, String> decode(byte[] form, int maxParameters)
    {
        Map<String, String> decoded = new HashMap<>();
        int start = 0;
        while (start <= form.length) {
            int end = indexOf(form, (byte) '&', start, form.length);
            int equals = indexOf(form, (byte) '=', start, end);
            if (end > start && decoded.putIfAbsent(text(form, start, equals), equals == end ? "" : text(form, equals + 1, end)) == null && decoded.size() > maxParameters) {
                throw new IllegalStateException("Too many fields: more than " + maxParameters);
            }
            start = end + 1;
        }
        return Map.copyOf(decoded);
    }

    /** The index of the first {@code target} from {@code from} on, or {@code to} when there is none before it. */
    private static int indexOf(byte[] bytes, byte target, int from, int to)
    {
        for (int index = from; index < to; index++) {
            if (bytes[index] == target) {
                return index;
            }
        }
        return to;
    }

    private static String text(byte[] form, int from, int to)
    {
        int plain = from;
        while (plain < to && form[plain] != '%' && form[plain] != '+' && form[plain] >= 0) {
            plain++;
        }
        if (plain == to) {
            return new String(form, from, to - from, StandardCharsets.ISO_8859_1);
        }
        // The plain ASCII prefix is copied as it is; the escapes start at plain.
        byte[] bytes = new byte[to - from];
        System.arraycopy(form, from, bytes, 0, plain - from);
        int length = plain - from;
        boolean ascii = true;
        for (int index = plain; index < to; index++) {
            byte next = form[index];
            if (next == '+') {
                next = ' ';
            }
            else if (next == '%') {
                int high = index + 2 < to ? Character.digit(form[index + 1], 16) : -1;
                int low = index + 2 < to ? Character.digit(form[index + 2], 16) : -1;
                if (high < 0 || low < 0) {
                    throw new IllegalArgumentException("Not valid encoding '%s'".formatted(new String(form, index, Math.min(3, to - index), StandardCharsets.ISO_8859_1)));
                }
                next = (byte) (high << 4 | low);
                index += 2;
            }
            ascii &= next >= 0;
            bytes[length++] = next;
        }
        if (ascii) {
            return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, 0, length))
                    .toString();
        }
        catch (CharacterCodingException e) {
            throw new IllegalArgumentException("Not valid UTF-8 in the name or value at byte " + from);
        }
    }
}
