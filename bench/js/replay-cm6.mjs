// Replays an event log of DocsBench's --self-check (-Drecord=FILE) with the real @codemirror/collab 6.1.1 and
// @codemirror/state 6.7.6: each peer is an EditorState with collab(), typing the same changes, pushing
// sendableUpdates at getSyncedVersion, receiving the same slices of the log with receiveUpdates; the authority
// rebases stale pushes with rebaseUpdates over all the updates accepted since (issue 12's first contract), or with
// --one-at-a-time over each accepted update in turn, every peer then receiving one update per receiveUpdates call
// (what main's Authority and socket do since b745394). Prints whether every peer ends with the authority's text.
//   cd bench/js && npm install && node replay-cm6.mjs divergence-3-editors.jsonl                  -> DIVERGED
//   node replay-cm6.mjs --one-at-a-time divergence-3-editors.jsonl                                -> converged
import {EditorState, ChangeSet} from "@codemirror/state"
import {collab, receiveUpdates, sendableUpdates, getSyncedVersion, rebaseUpdates} from "@codemirror/collab"
import fs from "fs"

const oneAtATime = process.argv.includes("--one-at-a-time")
const lines = fs.readFileSync(process.argv[process.argv.length - 1], "utf8").trim().split("\n").map(l => JSON.parse(l))
let peers = [], log = [], doc = null, pending = new Map()
for (const e of lines) {
  if (e.type == "init") {
    doc = e.text
    for (let i = 0; i < e.editors; i++)
      peers.push(EditorState.create({doc: e.text, extensions: [collab({clientID: "e" + i, startVersion: 0})]}))
  } else if (e.type == "type") {
    const st = peers[e.peer]
    const cs = ChangeSet.fromJSON(e.changes)
    if (cs.length != st.doc.length) { console.log("peer", e.peer, "typed change of length", cs.length, "on doc", st.doc.length, "(already diverged)"); process.exit(2) }
    peers[e.peer] = st.update({changes: cs}).state
  } else if (e.type == "push") {
    const st = peers[e.peer]
    pending.set(e.peer + ":" + e.id, {version: getSyncedVersion(st), updates: sendableUpdates(st).map(u => ({clientID: u.clientID, changes: u.changes}))})
  } else if (e.type == "server") {
    const p = pending.get(e.peer + ":" + e.id)
    let rebased = p.updates
    if (oneAtATime) for (const accepted of log.slice(p.version)) rebased = rebaseUpdates(rebased, [accepted])
    else rebased = rebaseUpdates(p.updates, log.slice(p.version))
    for (const u of rebased) { log.push(u); doc = u.changes.apply(EditorState.create({doc}).doc).toString() }
  } else if (e.type == "receive") {
    const st = peers[e.peer]
    if (getSyncedVersion(st) != e.from) { console.log("peer", e.peer, "at", getSyncedVersion(st), "gets from", e.from); process.exit(2) }
    if (oneAtATime) for (const u of log.slice(e.from, e.from + e.count)) peers[e.peer] = receiveUpdates(peers[e.peer], [u]).state
    else peers[e.peer] = receiveUpdates(st, log.slice(e.from, e.from + e.count)).state
  }
}
let ok = true
peers.forEach((st, i) => {
  const same = st.doc.toString() == doc
  if (!same) ok = false
  console.log("peer", i, "version", getSyncedVersion(st), "of", log.length, same ? "equal" : "DIFFERS", st.doc.length, doc.length)
})
console.log(ok ? "converged" : "DIVERGED")
