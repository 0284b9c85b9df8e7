package io.collab.persistence;

import io.collab.config.CollabConfig;
import io.collab.common.Bus;
import io.collab.common.BusFailure;
import io.collab.common.ClusterEvents;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Owns the PostgreSQL pool and every SQL statement. Other verticles reach the database only through the addresses
 * in {@link Bus}. Schema migrations run before the first consumer is registered.
 */
public class PersistenceVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(PersistenceVerticle.class);

  private Pool pool;
  private UserStore users;
  private ProjectStore projects;
  private WorkspaceStore workspaces;
  private JobStore jobs;
  private FileStore files;
  private DocumentStore documents;

  @Override
  public Future<?> start() {
    CollabConfig config = CollabConfig.from(config());
    pool = PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(config.pg().poolSize()).setShared(true).setName("collab-pg")
            .setConnectionTimeout(config.pg().connectTimeoutMs()).setConnectionTimeoutUnit(TimeUnit.MILLISECONDS))
        .connectingTo(config.pg().connectOptions())
        .using(vertx)
        .build();
    users = new UserStore(pool);
    ClusterEvents events = new ClusterEvents(vertx.eventBus(), config.deployment().id());
    projects = new ProjectStore(pool, events);
    workspaces = new WorkspaceStore(pool, events);
    jobs = new JobStore(pool);
    files = new FileStore(pool, config.files());
    documents = new DocumentStore(pool, config.files(), config.busRequestTimeoutMs());
    return Migrations.apply(vertx, pool)
        .onSuccess(applied -> log.info("schema up to date ({} migration(s) applied now)", applied.size()))
        .compose(applied -> registerConsumers());
  }

  private Future<Void> registerConsumers() {
    return Future.all(List.of(
            serve(Bus.PERSISTENCE_PING, this::ping),
            serve(Bus.USERS_CREATE, users::create),
            serve(Bus.USERS_CREDENTIALS, users::credentials),
            serve(Bus.USERS_GET, users::byId),
            serve(Bus.USERS_ACTIVE, users::active),
            serve(Bus.TOKENS_ISSUE, users::issueToken),
            serve(Bus.TOKENS_ROTATE, users::rotate),
            serve(Bus.TOKENS_REVOKE_FAMILY, users::revokeFamily),
            serve(Bus.PROJECTS_LIST, projects::list),
            serve(Bus.PROJECTS_CREATE, projects::create),
            serve(Bus.PROJECTS_GET, projects::get),
            serve(Bus.PROJECTS_UPDATE, projects::update),
            serve(Bus.PROJECTS_DELETE, projects::delete),
            serve(Bus.WORKSPACES_LIST, workspaces::list),
            serve(Bus.WORKSPACES_CREATE, workspaces::create),
            serve(Bus.WORKSPACES_GET, workspaces::get),
            serve(Bus.WORKSPACES_UPDATE, workspaces::update),
            serve(Bus.WORKSPACES_DELETE, workspaces::delete),
            serve(Bus.MEMBERS_LIST, workspaces::members),
            serve(Bus.MEMBERS_ADD, workspaces::addMember),
            serve(Bus.MEMBERS_CHANGE, workspaces::changeMember),
            serve(Bus.MEMBERS_REMOVE, workspaces::removeMember),
            serve(Bus.WORKSPACE_ACCESS, workspaces::access),
            serve(Bus.JOBS_CREATE, jobs::create),
            serve(Bus.JOBS_DISCARD, jobs::discard),
            serve(Bus.JOBS_GET, jobs::get),
            serve(Bus.JOBS_LIST, jobs::list),
            serve(Bus.JOBS_CANCEL, jobs::cancel),
            serve(Bus.JOBS_START, jobs::start),
            serve(Bus.JOBS_RETRYING, jobs::retrying),
            serve(Bus.JOBS_FINISH, jobs::finish),
            serve(Bus.JOBS_RENEW, jobs::renew),
            serve(Bus.JOBS_RELEASE, jobs::release),
            serve(Bus.JOBS_UNCLAIMED, jobs::unclaimed),
            serve(Bus.FILES_LIST, files::list),
            serve(Bus.FILES_CREATE, files::create),
            serve(Bus.FILES_GET, files::get),
            serve(Bus.FILES_REPLACE, files::replace),
            serve(Bus.FILES_RENAME, files::rename),
            serve(Bus.FILES_DELETE, files::delete),
            serve(Bus.DOCS_OPEN, documents::open),
            serve(Bus.DOCS_PUSH, documents::push),
            serve(Bus.DOCS_PULL, documents::pull)))
        .mapEmpty();
  }

  /** Consumes {@code address} cluster-wide and its node-local twin, replying with what {@code operation} yields. */
  private Future<Void> serve(String address, Function<JsonObject, Future<JsonObject>> operation) {
    Handler<Message<JsonObject>> handler = message -> {
      Future<JsonObject> result;
      try {
        result = operation.apply(message.body() == null ? new JsonObject() : message.body());
      } catch (RuntimeException e) {
        result = Future.failedFuture(e);
      }
      result.onSuccess(message::reply).onFailure(err -> {
        if (err instanceof BusFailure) {
          BusFailure.reply(message, err);
        } else if (err instanceof PgException pg && !isOutage(pg)) {
          log.error("{} failed", address, err);  // a statement PostgreSQL refused: a bug here, not an outage
          BusFailure.reply(message, err);
        } else {
          log.warn("{} failed: PostgreSQL unreachable: {}", address, err.getMessage());
          BusFailure.reply(message, new BusFailure(503, "service_unavailable", "the database did not answer; retry"));
        }
      });
    };
    return Future.all(
            vertx.eventBus().consumer(address, handler).completion(),
            vertx.eventBus().localConsumer(Bus.local(address), handler).completion())
        .mapEmpty();
  }

  /**
   * SQLSTATEs that mean the server is going away or cannot serve now, not that the statement was wrong: class 08
   * (connection exceptions) and 57P01-57P05 (admin or crash shutdown, cannot connect now, idle session timeout). A
   * fast {@code pg_ctl stop} answers in-flight statements with these; callers get 503 and retry.
   */
  static boolean isOutage(PgException err) {
    String state = err.getSqlState();
    return state != null && (state.startsWith("08") || state.startsWith("57P"));
  }

  private Future<JsonObject> ping(JsonObject request) {
    return pool.query("SELECT 1").execute()
        .map(rows -> new JsonObject().put("ok", true).put("deployment", deploymentID()))
        .recover(err -> Future.failedFuture(
            new BusFailure(503, "postgres_unavailable", String.valueOf(err.getMessage()))));
  }
}
