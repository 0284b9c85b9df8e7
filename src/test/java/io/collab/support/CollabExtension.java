package io.collab.support;

import io.collab.support.Actors.Actor;
import io.collab.support.Teams.Team;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/** Starts what a {@link CollabTest} class asks for and closes it after the class; see {@link CollabTest}. */
public final class CollabExtension implements BeforeAllCallback, AfterAllCallback {

  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(CollabExtension.class);

  @Override
  public void beforeAll(ExtensionContext context) throws IllegalAccessException {
    Class<?> testClass = context.getRequiredTestClass();
    // Kept before anything starts, so that whatever did start is closed even when a later step fails.
    Deque<AutoCloseable> opened = new ArrayDeque<>();
    context.getStore(NAMESPACE).put(Deque.class, opened);
    TestApp app = TestApp.start(config -> apply(config, testClass.getAnnotation(CollabTest.class).settings()));
    opened.push(app::stop);
    Actors actors = new Actors(app);
    Object test = context.getRequiredTestInstance();
    for (Field field : testClass.getDeclaredFields()) {
      if (!Modifier.isStatic(field.getModifiers())) {
        Object value = valueFor(field, app, actors, opened);
        if (value != null) {
          field.setAccessible(true);
          field.set(test, value);
        }
      }
    }
  }

  /** Closes in the reverse order of opening: clients first, the service last. */
  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    @SuppressWarnings("unchecked")
    Deque<AutoCloseable> opened = context.getStore(NAMESPACE).remove(Deque.class, Deque.class);
    while (opened != null && !opened.isEmpty()) {
      opened.pop().close();
    }
  }

  /** What a field of the test class is filled with, or null for a field this extension leaves alone. */
  private static Object valueFor(Field field, TestApp app, Actors actors, Deque<AutoCloseable> opened) {
    Class<?> type = field.getType();
    if (type == TestApp.class) {
      return app;
    } else if (type == Actors.class) {
      return actors;
    } else if (type == Actor.class) {
      return actors.register(field.getName().toLowerCase(Locale.ROOT));
    } else if (type == Team.class) {
      return Teams.create(actors);
    } else if (type == Database.class) {
      Database db = Database.of(app);
      opened.push(db);
      return db;
    } else if (type == Redis.class) {
      Redis redis = Redis.createClient(app.vertx, app.config.getJsonObject("redis").getString("url"));
      opened.push(redis::close);
      return redis;
    }
    return null;
  }

  /** Applies {@code path=value} settings; a path the defaults do not have fails the class, as a typo should. */
  static void apply(JsonObject config, String[] settings) {
    for (String setting : settings) {
      int eq = setting.indexOf('=');
      String[] path = setting.substring(0, Math.max(eq, 0)).split("\\.");
      JsonObject node = config;
      for (int i = 0; i < path.length - 1 && node != null; i++) {
        node = node.getJsonObject(path[i]);
      }
      String key = path[path.length - 1];
      if (eq < 0 || node == null || !node.containsKey(key)) {
        throw new IllegalArgumentException("@CollabTest: no such setting " + setting);
      }
      node.put(key, value(setting.substring(eq + 1)));
    }
  }

  private static Object value(String raw) {
    if (raw.equals("true") || raw.equals("false")) {
      return Boolean.parseBoolean(raw);
    }
    try {
      return Long.parseLong(raw);
    } catch (NumberFormatException notANumber) {
      return raw;
    }
  }
}
