package io.collab.support;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Reads and forges JSON Web Tokens the way an attacker or a curious client would: from the outside. */
public final class Jwt {

  private static final Base64.Decoder DECODE = Base64.getUrlDecoder();
  private static final Base64.Encoder ENCODE = Base64.getUrlEncoder().withoutPadding();

  private Jwt() {}

  /** The decoded header (first segment) of a compact JWT. */
  public static JsonObject header(String token) {
    return segment(token, 0);
  }

  /** The decoded claims (second segment) of a compact JWT; the signature is not checked. */
  public static JsonObject payload(String token) {
    return segment(token, 1);
  }

  /** An unsigned token: header {@code {"alg":"none","typ":"JWT"}}, the given claims and an empty signature. */
  public static String unsigned(JsonObject claims) {
    JsonObject header = new JsonObject().put("alg", "none").put("typ", "JWT");
    return encode(header) + "." + encode(claims) + ".";
  }

  /**
   * {@code claims} exactly as given (no {@code iat}, {@code exp}, {@code iss} or {@code aud} added), signed with
   * HS256 and {@code secret}.
   */
  public static String signHs256(Vertx vertx, String secret, JsonObject claims) {
    JWTAuth auth = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret)));
    return auth.generateToken(claims, new JWTOptions().setAlgorithm("HS256").setNoTimestamp(true));
  }

  private static JsonObject segment(String token, int index) {
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3) {
      throw new IllegalArgumentException("not a compact JWT: " + parts.length + " segment(s)");
    }
    return new JsonObject(new String(DECODE.decode(parts[index]), StandardCharsets.UTF_8));
  }

  private static String encode(JsonObject json) {
    return ENCODE.encodeToString(json.encode().getBytes(StandardCharsets.UTF_8));
  }
}
