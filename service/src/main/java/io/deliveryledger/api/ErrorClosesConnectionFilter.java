package io.deliveryledger.api;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;

/**
 * Error answers to requests with a body say {@code Connection: close}. The bearer filter, and Jersey
 * for an unknown path or a wrong media type, answer before the body is read; Jetty then closes the
 * connection rather than read a body nobody wants, and without the header a client sends its next
 * request on that connection and finds it closed. Errors are rare, so a new connection after one
 * costs nothing that matters.
 */
public final class ErrorClosesConnectionFilter
        implements ContainerResponseFilter
{
    private static final String CONNECTION = "Connection";
    private static final String TRANSFER_ENCODING = "Transfer-Encoding";

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response)
    {
        // From the headers: hasEntity() throws once a resource has read the body.
        boolean hasBody = request.getLength() > 0 || request.getHeaderString(TRANSFER_ENCODING) != null;
        if (response.getStatus() >= 400 && hasBody) {
            response.getHeaders().putSingle(CONNECTION, "close");
        }
    }
}
