package io.collab.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.ext.web.handler.InputTrustHandler;
import io.vertx.ext.web.openapi.router.OpenAPIRoute;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.json.schema.JsonSchemaValidationException;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.json.schema.Validator;
import io.vertx.openapi.contract.MediaType;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Parameter;
import io.vertx.openapi.contract.RequestBody;
import io.vertx.openapi.contract.Style;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatableRequest;
import io.vertx.openapi.validation.ValidationContext;
import io.vertx.openapi.validation.ValidatorErrorType;
import io.vertx.openapi.validation.ValidatorException;
import io.vertx.openapi.validation.analyser.ContentAnalyser;
import io.vertx.openapi.validation.impl.RequestParameterImpl;
import io.vertx.openapi.validation.impl.ValidatedRequestImpl;
import io.vertx.openapi.validation.transformer.FormTransformer;
import io.vertx.openapi.validation.transformer.LabelTransformer;
import io.vertx.openapi.validation.transformer.MatrixTransformer;
import io.vertx.openapi.validation.transformer.ParameterTransformer;
import io.vertx.openapi.validation.transformer.SimpleTransformer;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Request validation against the contract, one instance per operation, with the same rules and the same exceptions
 * as the OpenAPI router's own validation handler, which it replaces.
 *
 * <p>Why not the router's: in vertx-openapi 5.0.7 {@code RequestValidatorImpl} hops to a worker thread for every
 * request ({@code executeBlocking}, ordered per event loop, so one request at a time) and builds a new schema
 * validator for every parameter and body, copying the repository's whole lookup map each time. Measured on the job
 * submit path that was 39% of the server's CPU. Here every schema validator is built once, at start, and
 * validation runs inline: it is bounded work (the body is capped by {@code http.bodyLimit}) on a parsed value.
 */
final class OperationValidator implements InputTrustHandler {

  private static final Map<Style, ParameterTransformer> TRANSFORMERS = new EnumMap<>(Map.of(
      Style.SIMPLE, new SimpleTransformer(), Style.LABEL, new LabelTransformer(),
      Style.MATRIX, new MatrixTransformer(), Style.FORM, new FormTransformer()));

  private final Operation operation;
  private final RequestExtractor extractor;
  private final Map<Parameter, Validator> parameterSchemas = new IdentityHashMap<>();
  private final Map<MediaType, Validator> bodySchemas = new IdentityHashMap<>();

  private OperationValidator(OpenAPIContract contract, Operation operation, RequestExtractor extractor) {
    this.operation = operation;
    this.extractor = extractor;
    SchemaRepository schemas = contract.getSchemaRepository();
    for (Parameter parameter : operation.getParameters()) {
      parameterSchemas.put(parameter, schemas.validator(parameter.getSchema()));
    }
    RequestBody body = operation.getRequestBody();
    if (body != null) {
      body.getContent().values().stream().filter(OperationValidator::hasSchema)
          .forEach(type -> bodySchemas.put(type, schemas.validator(type.getSchema())));
    }
  }

  /**
   * Puts a validator in front of every operation's handlers and turns the router's own off. Call it before the
   * features add their handlers: a route's handlers run in the order they were added.
   */
  static void install(RouterBuilder routes, OpenAPIContract contract, RequestExtractor extractor) {
    for (OpenAPIRoute route : routes.getRoutes()) {
      route.setDoValidation(false).addHandler(new OperationValidator(contract, route.getOperation(), extractor));
    }
  }

  @Override
  public void handle(RoutingContext ctx) {
    extractor.extractValidatableRequest(ctx, operation).onComplete(extracted -> {
      if (extracted.failed()) {
        ctx.fail(extracted.cause());
        return;
      }
      try {
        ctx.put(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST, validate(extracted.result()));
      } catch (ValidatorException e) {
        ctx.fail(new HttpException(400, e.getMessage(), e));
        return;
      } catch (RuntimeException e) { // as the router's handler does: anything else is not the client's fault
        ctx.fail(e);
        return;
      }
      ctx.next();
    });
  }

  private ValidatedRequestImpl validate(ValidatableRequest request) {
    Map<String, RequestParameter> cookies = new HashMap<>();
    Map<String, RequestParameter> headers = new HashMap<>();
    Map<String, RequestParameter> path = new HashMap<>();
    Map<String, RequestParameter> query = new HashMap<>();
    for (Parameter param : operation.getParameters()) {
      String name = param.getName();
      switch (param.getIn()) {
        case COOKIE -> cookies.put(name, parameter(param, request.getCookies().get(name)));
        case HEADER -> headers.put(name, parameter(param, request.getHeaders().get(name)));
        case PATH -> path.put(name, parameter(param, request.getPathParameters().get(name)));
        case QUERY -> query.put(name, parameter(param, request.getQuery().get(name)));
      }
    }
    return new ValidatedRequestImpl(cookies, headers, path, query, body(request));
  }

  private RequestParameter parameter(Parameter parameter, RequestParameter value) {
    if (value == null || value.isNull()) {
      if (parameter.isRequired()) {
        throw ValidatorException.createMissingRequiredParameter(parameter);
      }
      return new RequestParameterImpl(null);
    }
    ParameterTransformer transformer = TRANSFORMERS.get(parameter.getStyle());
    if (transformer == null) {
      throw ValidatorException.createUnsupportedValueFormat(parameter);
    }
    Object transformed = transformer.transform(parameter, String.valueOf(value.get()));
    OutputUnit result = parameterSchemas.get(parameter).validate(transformed);
    try {
      result.checkValidity();
    } catch (JsonSchemaValidationException e) {
      throw SchemaValidationException.createErrorFromOutputUnitType(parameter, result, e);
    }
    return new RequestParameterImpl(transformed);
  }

  private RequestParameter body(ValidatableRequest request) {
    RequestBody declared = operation.getRequestBody();
    if (declared == null) {
      return new RequestParameterImpl(null);
    }
    if (request.getBody() == null || request.getBody().isEmpty()) {
      if (declared.isRequired()) {
        throw new ValidatorException("The related request does not contain the required body.",
            ValidatorErrorType.MISSING_REQUIRED_PARAMETER);
      }
      return new RequestParameterImpl(null);
    }
    MediaType type = declared.determineContentType(request.getContentType());
    Buffer content = request.getBody().getBuffer(Buffer.buffer());
    ContentAnalyser analyser = type == null ? null
        : ContentAnalyser.getContentAnalyser(type, request.getContentType(), content, ValidationContext.REQUEST);
    if (analyser == null) {
      throw new ValidatorException("The format of the request body is not supported",
          ValidatorErrorType.UNSUPPORTED_VALUE_FORMAT);
    }
    analyser.checkSyntacticalCorrectness();
    Validator schema = bodySchemas.get(type);
    if (schema == null) {
      return new RequestParameterImpl(content);
    }
    Object transformed = analyser.transform();
    OutputUnit result = schema.validate(transformed);
    try {
      result.checkValidity();
    } catch (JsonSchemaValidationException e) {
      throw SchemaValidationException.createInvalidValueBody(result, ValidationContext.REQUEST, e);
    }
    return new RequestParameterImpl(transformed);
  }

  /** As the library decides it: no schema, or a bare binary string, means the body is taken as it is. */
  private static boolean hasSchema(MediaType type) {
    if (type.getSchema() == null) {
      return false;
    }
    boolean binary = "string".equalsIgnoreCase(type.getSchema().get("type"))
        && "binary".equalsIgnoreCase(type.getSchema().get("format"))
        && type.getSchema().fieldNames().size() == 2;
    return !binary;
  }
}
