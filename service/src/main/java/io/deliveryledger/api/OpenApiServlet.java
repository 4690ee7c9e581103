package io.deliveryledger.api;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * {@code GET /api/v1/openapi.json}: the committed OpenAPI 3.1 document of {@code /api/v1}, byte for byte.
 * A servlet rather than a Jersey resource, so that the bearer filter, which guards every Jersey resource,
 * leaves it public: the contract holds no data, and clients read it before they hold a token.
 */
public final class OpenApiServlet
        extends HttpServlet
{
    public static final String PATH = "/api/v1/openapi.json";
    /** The document's place on the classpath (service/src/main/resources/openapi.json). */
    public static final String RESOURCE = "/openapi.json";

    private final byte[] document;

    public OpenApiServlet()
    {
        this.document = load();
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response)
            throws IOException
    {
        response.setContentType("application/json");
        response.setContentLength(document.length);
        response.getOutputStream().write(document);
    }

    private static byte[] load()
    {
        try (InputStream input = OpenApiServlet.class.getResourceAsStream(RESOURCE)) {
            if (input == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the classpath");
            }
            return input.readAllBytes();
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + RESOURCE, e);
        }
    }
}
