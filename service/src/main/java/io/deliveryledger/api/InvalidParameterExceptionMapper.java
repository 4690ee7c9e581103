package io.deliveryledger.api;

import io.deliveryledger.analytics.InvalidParameterException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;

import java.util.Map;

/** 400 with a JSON body naming the parameter and what it may be. */
public final class InvalidParameterExceptionMapper
        implements ExceptionMapper<InvalidParameterException>
{
    @Override
    public Response toResponse(InvalidParameterException exception)
    {
        return Response.status(Response.Status.BAD_REQUEST)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(Map.of("code", 400, "parameter", exception.parameter(), "message", exception.getMessage()))
                .build();
    }
}
