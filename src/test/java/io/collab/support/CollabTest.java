package io.collab.support;

import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A test class that talks to the real service: before its first test the service is deployed against a database and
 * a Redis database of its own ({@link TestApp#start}), and the test instance's fields are filled by type:
 * <ul>
 *   <li>{@link TestApp} the service (a second field of that type: another instance of the same deployment, with
 *       the same settings, {@link TestApp#startAlongside}), {@link Actors} its users, {@link Database} SQL on its database,
 *       {@link io.vertx.redis.client.Redis} a client of its Redis database;</li>
 *   <li>{@link Actors.Actor}: a new registered, logged-in user, named after the field;</li>
 *   <li>{@link Teams.Team}: a new workspace with an owner, a collaborator and a viewer.</li>
 * </ul>
 * Fields are filled before the class's own {@code @BeforeAll} methods run, and everything is closed after its
 * {@code @AfterAll} methods. One instance serves every test of the class.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(CollabExtension.class)
public @interface CollabTest {

  /**
   * Settings that differ from the test defaults ({@link TestServices#config()}), as {@code path=value}: for example
   * {@code "http.bodyLimit=1024"}. Numbers and {@code true}/{@code false} are taken as such, anything else as a string.
   */
  String[] settings() default {};
}
