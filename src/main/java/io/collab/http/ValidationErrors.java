package io.collab.http;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.json.schema.OutputUnit;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatorException;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns what the contract's request validation rejected into {@code validation_failed} with a reason per field,
 * the way the former service's serializers reported them.
 */
final class ValidationErrors {

  private static final Pattern REQUIRED = Pattern.compile("required property \"?([^\"]+)\"?");
  private static final Pattern REASON = Pattern.compile("Reason: (.+) at #/([^/\\s]+)$");

  private ValidationErrors() {}

  /** The 400 body for a failure of the OpenAPI validation handler, or null when it is some other 400. */
  static JsonObject body(Throwable failure) {
    Throwable cause = failure instanceof HttpException http && http.getCause() != null ? http.getCause() : failure;
    if (!(cause instanceof ValidatorException validation)) {
      return null;
    }
    JsonObject fields = new JsonObject();
    if (validation instanceof SchemaValidationException schema && schema.getOutputUnit() != null) {
      for (OutputUnit unit : leaves(schema.getOutputUnit())) {
        String field = field(unit);
        String reason = reason(unit);
        if (field != null && (!fields.containsKey(field) || vague(fields.getString(field)) && !vague(reason))) {
          fields.put(field, reason);
        }
      }
    }
    // The message's "Reason: ... at #/field" is often the most precise account of the first problem.
    Matcher reason = REASON.matcher(String.valueOf(validation.getMessage()));
    if (reason.find() && (!fields.containsKey(reason.group(2)) || vague(fields.getString(reason.group(2))))) {
      fields.put(reason.group(2), reason.group(1));
    }
    JsonObject body = new JsonObject().put("error", "validation_failed").put("detail", detail(validation));
    if (!fields.isEmpty()) {
      body.put("fields", fields);
    }
    return body;
  }

  private static List<OutputUnit> leaves(OutputUnit root) {
    List<OutputUnit> out = new ArrayList<>();
    collect(root, out);
    return out;
  }

  private static void collect(OutputUnit unit, List<OutputUnit> out) {
    if (unit.getErrors() == null || unit.getErrors().isEmpty()) {
      if (unit.getError() != null) {
        out.add(unit);
      }
      return;
    }
    unit.getErrors().forEach(child -> collect(child, out));
  }

  /** The first segment of the JSON pointer, or the property a "required" error names at the root. */
  private static String field(OutputUnit unit) {
    String pointer = unit.getInstanceLocation();
    if (pointer != null && pointer.startsWith("#")) {
      pointer = pointer.substring(1);
    }
    if (pointer != null && pointer.startsWith("/") && pointer.length() > 1) {
      int next = pointer.indexOf('/', 1);
      String segment = next < 0 ? pointer.substring(1) : pointer.substring(1, next);
      return segment.replace("~1", "/").replace("~0", "~");
    }
    Matcher m = REQUIRED.matcher(String.valueOf(unit.getError()));
    return m.find() ? m.group(1) : null;
  }

  private static String reason(OutputUnit unit) {
    String error = String.valueOf(unit.getError());
    if (REQUIRED.matcher(error).find()) {
      return "this field is required";
    }
    return error;
  }

  /** "Property x does not match schema" says where, not why. */
  private static boolean vague(String reason) {
    return reason.startsWith("Property ") && reason.endsWith("does not match schema");
  }

  private static String detail(ValidatorException validation) {
    String message = String.valueOf(validation.getMessage());
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
