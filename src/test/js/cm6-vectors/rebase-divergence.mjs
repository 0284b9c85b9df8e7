// Why io.collab.documents.Authority rebases a push over the accepted updates one at a time, not with one
// rebaseUpdates call over all of them: with the real CodeMirror, a server that rebases over their composition and a
// client that receives the log one update at a time (as collab's socket delivers it) end with different texts.
// Run: npm ci && node rebase-divergence.mjs
//
// The log holds, from "": alice inserts "a", deletes it, inserts "a" again. Bob has received only the first update
// ("a") and inserts "b" at 0. The server rebases bob's push over the other two, composed into "replace 'a' by 'a'",
// which puts "b" first. Bob maps his insert over them one at a time, and the second puts "a" first.

import {EditorState} from "@codemirror/state"
import {collab, getSyncedVersion, rebaseUpdates, receiveUpdates, sendableUpdates} from "@codemirror/collab"

const editor = clientID => EditorState.create({doc: "", extensions: [collab({clientID})]})
const edit = (state, from, to, insert) => state.update({changes: {from, to, insert}}).state
const receiveOne = (state, log) => receiveUpdates(state, log.slice(getSyncedVersion(state), getSyncedVersion(state) + 1)).state

let log = [], serverDoc = editor("server").doc
function push(version, updates) {
  for (let update of rebaseUpdates(updates, log.slice(version))) {
    log.push(update)
    serverDoc = update.changes.apply(serverDoc)
  }
}

let alice = editor("alice"), bob = editor("bob")
alice = edit(alice, 0, 0, "a")
alice = edit(alice, 0, 1, "")
alice = edit(alice, 0, 0, "a")
push(getSyncedVersion(alice), sendableUpdates(alice))
bob = receiveOne(bob, log)
bob = edit(bob, 0, 0, "b")
push(getSyncedVersion(bob), sendableUpdates(bob))
while (getSyncedVersion(bob) < log.length) bob = receiveOne(bob, log)
alice = receiveUpdates(alice, log.slice(getSyncedVersion(alice))).state

console.log(`server: ${JSON.stringify(serverDoc.toString())}, alice: ${JSON.stringify(alice.doc.toString())}, ` +
            `bob: ${JSON.stringify(bob.doc.toString())}`)
