/**
 * Collaborative editing of one workspace file by several CodeMirror 6 editors ({@code @codemirror/collab}), with the
 * server as the authority: the pure core, without I/O.
 *
 * <ul>
 *   <li>{@link io.collab.documents.ChangeSet} is CodeMirror's change set, with its JSON form; positions count UTF-16
 *       code units. {@code CodeMirrorVectorsTest} checks it against CodeMirror itself.</li>
 *   <li>{@link io.collab.documents.Update} is what a client pushes and receives: a client ID and a change set.</li>
 *   <li>{@link io.collab.documents.Rebase} is {@code rebaseUpdates}.</li>
 *   <li>{@link io.collab.documents.Authority} is the server's step for one push; the persistence layer runs it with
 *       the document row locked and appends what it accepts to the log.</li>
 * </ul>
 *
 * <p>The rules a client can rely on, and the reasons:
 * <ul>
 *   <li>A push at the current version is appended as it is.</li>
 *   <li>Updates re-sent after a lost reply are recognized (by client ID, in order) and not appended twice.</li>
 *   <li>A push that other clients' updates have overtaken is refused ({@link io.collab.documents.StalePushException});
 *       the client receives those updates, which maps its own over them, and pushes again. The server does not map it
 *       itself: CodeMirror's result depends on how the updates are batched, so the server's mapping and the client's
 *       could differ and their texts diverge ({@code RebaseTest}).</li>
 *   <li>Texts hold {@code \n} line breaks only ({@link io.collab.documents.LineBreaks}), as a CodeMirror document
 *       does, so the server and the clients count the same lengths.</li>
 * </ul>
 */
package io.collab.documents;
