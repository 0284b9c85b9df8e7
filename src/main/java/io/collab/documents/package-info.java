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
 *   <li>A push at an old version is not refused: it is mapped over the other clients' updates accepted since, one
 *       update at a time, which is how an editor maps its pending updates when every update reaches it in a
 *       {@code doc_updates} message of its own (the socket layer sends them so). Mapping over a composition of
 *       updates could order insertions at one position differently ({@code RebaseTest}), and texts would diverge.</li>
 *   <li>Texts hold {@code \n} line breaks only ({@link io.collab.documents.LineBreaks}), as a CodeMirror document
 *       does, so the server and the clients count the same lengths.</li>
 * </ul>
 */
package io.collab.documents;
