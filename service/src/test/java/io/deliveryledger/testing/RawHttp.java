package io.deliveryledger.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.OptionalInt;

/**
 * Writes bytes to a server's socket as they are, for requests no HTTP client would send (broken request
 * lines, lengths, chunking, encodings), and reads the status code of the answer.
 */
public final class RawHttp
{
    private static final int READ_TIMEOUT_MILLIS = 15_000;

    private final int port;

    public RawHttp(int port)
    {
        this.port = port;
    }

    /**
     * Sends {@code request}, closes the sending side (so a server waiting for a promised body sees its
     * end) and returns the answer's status code, or nothing when the server closed the connection
     * without one.
     */
    public OptionalInt send(byte[] request)
            throws IOException
    {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);
            OutputStream output = socket.getOutputStream();
            try {
                output.write(request);
                output.flush();
                socket.shutdownOutput();
            }
            catch (IOException e) {
                // The server may answer and close before reading everything (a huge header or body); read its answer.
            }
            return statusCode(readStatusLine(socket.getInputStream()));
        }
    }

    private static String readStatusLine(InputStream input)
            throws IOException
    {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try {
            for (int next = input.read(); next >= 0 && next != '\n'; next = input.read()) {
                line.write(next);
            }
        }
        catch (SocketTimeoutException e) {
            throw new IOException("No answer within " + READ_TIMEOUT_MILLIS + " ms", e);
        }
        catch (IOException e) {
            // A reset after the answer was sent still leaves the status line read so far.
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    private static OptionalInt statusCode(String statusLine)
    {
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(Integer.parseInt(parts[1]));
    }
}
