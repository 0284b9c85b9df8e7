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
    Started started = new Started(testClass.getAnnotation(CollabTest.class).settings());
    // Kept before anything starts, so that whatever did start is closed even when a later step fails.
    context.getStore(NAMESPACE).put(Started.class, started);
    started.start();
    Object test = context.getRequiredTestInstance();
    for (Field field : testClass.getDeclaredFields()) {
      Object value = Modifier.isStatic(field.getModifiers()) ? null : started.valueFor(field);
      if (value != null) {
        field.setAccessible(true);
        field.set(test, value);
      }
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    Started started = context.getStore(NAMESPACE).remove(Started.class, Started.class);
    if (started != null) {
      started.close();
    }
  }

  /** What one test class started, closed in the reverse order of opening: clients first, the service last. */
  private static final class Started implements AutoCloseable {

    private final String[] settings;
    private final Deque<AutoCloseable> opened = new ArrayDeque<>();
    private TestApp app;
    private Actors actors;
    private boolean appGiven;

    Started(String[] settings) {
      this.settings = settings;
    }

    void start() {
      app = TestApp.start(config -> apply(config, settings));
      opened.push(app::stop);
      actors = new Actors(app);
    }

    /** What a field of the test class is filled with, or null for a field this extension leaves alone. */
    Object valueFor(Field field) {
      Class<?> type = field.getType();
      if (type == TestApp.class) {
        return appGiven ? another() : first();
      } else if (type == Actors.class) {
        return actors;
      } else if (type == Actor.class) {
        return actors.register(field.getName().toLowerCase(Locale.ROOT));
      } else if (type == Team.class) {
        return Teams.create(actors);
      } else if (type == Database.class) {
        return opened(Database.of(app));
      } else if (type == Redis.class) {
        Redis redis = Redis.createClient(app.vertx, app.config.getJsonObject("redis").getString("url"));
        opened.push(redis::close);
        return redis;
      }
      return null;
    }

    private TestApp first() {
      appGiven = true;
      return app;
    }

    /** Another instance of the same deployment, for a class that has a second {@link TestApp} field. */
    private TestApp another() {
      TestApp another = TestApp.startAlongside(app, config -> apply(config, settings));
      opened.push(another::stop);
      return another;
    }

    private <T extends AutoCloseable> T opened(T resource) {
      opened.push(resource);
      return resource;
    }

    @Override
    public void close() throws Exception {
      while (!opened.isEmpty()) {
        opened.pop().close();
      }
    }
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
