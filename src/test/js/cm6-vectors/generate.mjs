// Test vectors from the real CodeMirror 6, for io.collab.documents.CodeMirrorVectorsTest: the Java ChangeSet and its
// JSON form, Rebase and the test EditorModel must give exactly what @codemirror/state and @codemirror/collab give.
//
// Regenerate (Node 18+, from the repository root):
//   cd src/test/js/cm6-vectors && npm ci && node generate.mjs
// It writes ../../resources/documents/cm6-vectors.json. The output depends only on SEED and the pinned versions in
// package.json (package-lock.json pins the rest), so rerunning it must leave the file unchanged; commit it when the
// seed, the counts or the CodeMirror versions change.
//
// Each vector holds documents as strings and change sets in their toJSON() form:
//   apply:   {doc, changes, result}                     changes.apply(doc); changes is also the toJSON() to reproduce
//   compose: {doc, a, b, result}                        a.compose(b), b applying to a.apply(doc)
//   map:     {doc, a, b, before, after}                 a.map(b, true), a.map(b, false), both applying to doc
//   rebase:  {doc, over, pushed, result}                rebaseUpdates(pushed, over), updates as {clientID, changes}
//   receive: {doc, edits, log, batches, states}         an editor (clientID "me") makes the edits, then
//            receiveUpdates(state, batch) for each batch of the log in order; states[i] is what it has after batch i:
//            {doc, version, unconfirmed: [changes]}

import {ChangeSet, EditorState, Text} from "@codemirror/state"
import {collab, getSyncedVersion, rebaseUpdates, receiveUpdates, sendableUpdates} from "@codemirror/collab"
import {writeFileSync} from "node:fs"
import {fileURLToPath} from "node:url"

const SEED = 20261204
const COUNTS = {apply: 150, compose: 150, map: 200, rebase: 150, receive: 150}
const OUTPUT = fileURLToPath(new URL("../../resources/documents/cm6-vectors.json", import.meta.url))

// mulberry32: a small seeded generator, so the vectors are reproducible
let state = SEED
function random() {
  state = (state + 0x6D2B79F5) | 0
  let t = Math.imul(state ^ (state >>> 15), 1 | state)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const int = (min, max) => min + Math.floor(random() * (max - min + 1))
const pick = items => items[int(0, items.length - 1)]

// astral characters are two UTF-16 units, so positions may fall between their halves, as they may in CodeMirror
const PIECES = ["a", "b", "c", "x", " ", "\n", "\n", "é", "ß", "😀", "𝄞", "🎉", "中"]
function text(maxPieces) {
  let result = ""
  for (let n = int(0, maxPieces); n > 0; n--) result += pick(PIECES)
  return result
}

function toDoc(string) { return Text.of(string.split("\n")) }

// A change set on a document of the given length, built the way an editor builds one: from change specs, which
// may overlap and be out of order (ChangeSet.of then maps the later ones over the earlier ones). With `crowded`,
// changes start only at the start, the middle or the end, so that two sets often touch the same positions.
function changeSet(length, crowded = false) {
  let specs = [], starts = [0, length >> 1, length]
  for (let n = int(0, 4); n > 0; n--) {
    let from = crowded ? pick(starts) : int(0, length)
    let to = random() < 0.4 ? from : int(from, Math.min(length, from + 6))
    let insert = random() < 0.3 ? "" : text(5)
    specs.push({from, to, insert})
  }
  if (random() < 0.15) specs.sort((a, b) => a.from - b.from)
  return ChangeSet.of(specs, length)
}

function applyVector() {
  let doc = text(20), changes = changeSet(doc.length)
  return {doc, changes: changes.toJSON(), result: changes.apply(toDoc(doc)).toString()}
}

function composeVector() {
  let doc = text(20), crowded = random() < 0.3
  let a = changeSet(doc.length, crowded), b = changeSet(a.newLength, crowded)
  return {doc, a: a.toJSON(), b: b.toJSON(), result: a.compose(b).toJSON()}
}

function mapVector() {
  let doc = text(20), crowded = random() < 0.6
  let a = changeSet(doc.length, crowded), b = changeSet(doc.length, crowded)
  return {doc, a: a.toJSON(), b: b.toJSON(), before: a.map(b, true).toJSON(), after: a.map(b, false).toJSON()}
}

const json = update => ({clientID: update.clientID, changes: update.changes.toJSON()})

// What a server accepted on a document of `length`: updates of `others`, each made by `change` on the document as
// it then is, and, among them in random places, the first `own` of one client's updates `mine`, each as the server
// accepted it when that client pushed it: rebased over the log before it, then appended.
function serverLog(length, mine, own, others, change) {
  let log = [], current = length, placed = 0
  for (let n = int(0, 4); n > 0 || placed < own; n--) {
    if (placed < own && random() < 0.5) {
      let [accepted] = rebaseUpdates(mine.slice(0, placed + 1), log)
      log.push({clientID: mine[placed].clientID, changes: accepted.changes})
      current = accepted.changes.newLength
      placed++
    } else {
      let changes = change(current)
      log.push({clientID: pick(others), changes})
      current = changes.newLength
    }
  }
  return log
}

// A push that arrives at an old version: `pushed` are one client's updates made one after another on the document at
// that version; `over` is what the server accepted since. Sometimes a first part of `pushed` is among them, as the
// server accepted it (rebased over what came before) when the client's acknowledgement was lost.
function rebaseVector() {
  let doc = text(20)
  let pushed = [], length = doc.length
  for (let n = int(1, 3); n > 0; n--) {
    let changes = changeSet(length)
    pushed.push({clientID: "pusher", changes})
    length = changes.newLength
  }
  let resent = random() < 0.5 ? int(1, pushed.length) : 0
  let over = serverLog(doc.length, pushed, resent, ["alice", "bob", "carol"], changeSet)
  let result = rebaseUpdates(pushed, over)
  return {doc, over: over.map(json), pushed: pushed.map(json), result: result.map(json)}
}

// An editor with unconfirmed edits receives a log, in batches of any size, that holds other clients' updates and,
// sometimes, its own first edits as the server accepted them (rebased over what came before).
function receiveVector() {
  let doc = text(20)
  let state = EditorState.create({doc, extensions: [collab({clientID: "me"})]})
  let edits = []
  for (let n = int(0, 3); n > 0; n--) {
    let changes = changeSet(state.doc.length, random() < 0.4)
    edits.push(changes.toJSON())
    state = state.update({changes}).state
  }
  let mine = sendableUpdates(state).map(update => ({clientID: "me", changes: update.changes}))
  let own = random() < 0.6 ? int(0, mine.length) : 0
  let log = serverLog(doc.length, mine, own, ["alice", "bob"], length => changeSet(length, random() < 0.4))
  let batches = [], states = []
  for (let at = 0; at < log.length;) {
    let size = int(1, log.length - at)
    state = receiveUpdates(state, log.slice(at, at + size)).state
    at += size
    batches.push(size)
    states.push({doc: state.doc.toString(), version: getSyncedVersion(state),
                 unconfirmed: sendableUpdates(state).map(update => update.changes.toJSON())})
  }
  return {doc, edits, log: log.map(json), batches, states}
}

const KINDS = {apply: applyVector, compose: composeVector, map: mapVector, rebase: rebaseVector,
               receive: receiveVector}
let vectors = {codemirror: {state: "6.7.6", collab: "6.1.1"}, seed: SEED}
for (let [kind, make] of Object.entries(KINDS)) {
  vectors[kind] = []
  for (let i = 0; i < COUNTS[kind]; i++) vectors[kind].push(make())
}
writeFileSync(OUTPUT, JSON.stringify(vectors) + "\n")
console.log(`wrote ${OUTPUT}: ${Object.keys(KINDS).map(kind => `${vectors[kind].length} ${kind}`).join(", ")}`)
