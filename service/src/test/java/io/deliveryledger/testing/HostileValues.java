package io.deliveryledger.testing;

import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static java.util.Objects.requireNonNull;

/**
 * Strange but well-formed values for fuzzing the service's edge, all drawn from one seeded
 * {@link Random} so that a failing run is repeated exactly by its seed. Text is always valid Unicode
 * (no lone surrogates): that is all UTF-8, and so all Twilio, can carry.
 */
public final class HostileValues
{
    /** Code points at the edges of every Unicode plane that has assigned or private-use characters. */
    private static final int[] PLANES = {0x0, 0x1_0000, 0x2_0000, 0x3_0000, 0xE_0000, 0xF_0000, 0x10_0000};
    private static final List<String> INJECTIONS = List.of(
            "' OR 1=1 --",
            "'; DROP TABLE status_events; --",
            "\\' UNION SELECT * FROM system.users --",
            "{{7*7}}",
            "${jndi:ldap://127.0.0.1/a}",
            "<script>alert(1)</script>",
            "../../../../etc/passwd",
            "%00%0d%0aSet-Cookie: a=b",
            "\r\nX-Injected: 1\r\n",
            "\"]}{\"",
            "\\u0000\\ud800",
            "NaN",
            "null",
            "%s%s%s%n");
    private static final List<String> NUMBERS = List.of(
            "0", "-0", "-1", "1e10", "1E-400", "0x7fffffff", "2147483647", "2147483648", "4294967295", "4294967296",
            "9223372036854775807", "9223372036854775808", "-9223372036854775809", "99999999999999999999999999999999",
            "000030003", "30003 ", " 30003", "+30003", "3.14", "NaN", "Infinity", "\u0663\u0660\u0660\u0660\u0663", "\uFF13\uFF10\uFF10\uFF10\uFF13", "");

    private final Random random;

    public HostileValues(Random random)
    {
        this.random = requireNonNull(random, "random is null");
    }

    public boolean chance(double probability)
    {
        return random.nextDouble() < probability;
    }

    /** From {@code minimum} to {@code maximum}, both included. */
    public int between(int minimum, int maximum)
    {
        return minimum + random.nextInt(maximum - minimum + 1);
    }

    public <T> T pick(List<T> values)
    {
        return values.get(random.nextInt(values.size()));
    }

    public String hex(int bytes)
    {
        byte[] value = new byte[bytes];
        random.nextBytes(value);
        return HexFormat.of().formatHex(value);
    }

    /** Any kind of strange text: from every plane, control characters, injections, huge, empty. */
    public String text()
    {
        return switch (random.nextInt(8)) {
            case 0 -> unicode(between(1, 40));
            case 1 -> controlCharacters(between(1, 10));
            case 2 -> pick(INJECTIONS);
            case 3 -> number();
            case 4 -> "";
            case 5 -> unicode(between(1, 3)).repeat(between(100, 2000));
            case 6 -> " ";
            default -> "plain-" + hex(4);
        };
    }

    /** Code points from every plane: ASCII, the BMP's edges, emoji, CJK extensions, tags, private use, noncharacters. */
    public String unicode(int codePoints)
    {
        StringBuilder text = new StringBuilder();
        for (int index = 0; index < codePoints; index++) {
            text.appendCodePoint(codePoint());
        }
        return text.toString();
    }

    public String controlCharacters(int length)
    {
        StringBuilder text = new StringBuilder();
        for (int index = 0; index < length; index++) {
            text.append(chance(0.8) ? (char) random.nextInt(0x20) : (char) (0x7F + random.nextInt(0x21)));
        }
        return text.toString();
    }

    /** Numbers that overflow, are negative, have signs, spaces, other digits, or are no number at all. */
    public String number()
    {
        return chance(0.7) ? pick(NUMBERS) : String.valueOf(random.nextLong());
    }

    private int codePoint()
    {
        while (true) {
            int codePoint = switch (random.nextInt(4)) {
                case 0 -> 0x20 + random.nextInt(0x5F);
                case 1 -> random.nextInt(0x1_0000);
                // The first and last code points of a plane, noncharacters U+xFFFE and U+xFFFF included.
                case 2 -> pick(List.of(0, 1, 0xFFFE, 0xFFFF)) + PLANES[random.nextInt(PLANES.length)];
                default -> PLANES[random.nextInt(PLANES.length)] + random.nextInt(0x1_0000);
            };
            if (Character.isValidCodePoint(codePoint) && (codePoint > 0xFFFF || !Character.isSurrogate((char) codePoint))) {
                return codePoint;
            }
        }
    }
}
