/**
 * The `checkpoint` state file TensorFlow keeps beside its checkpoints: a `CheckpointState` text
 * proto naming the latest checkpoint and those still kept, which `tf.train.latestCheckpoint`
 * reads and `Saver.save` writes.
 *
 * @packageDocumentation
 */

import * as fs from 'node:fs'
import * as path from 'node:path'

import { checkpointExists } from './checkpoint_reader.js'

/** TF's `CheckpointState`: the latest checkpoint, and every checkpoint still kept (oldest first). */
export interface CheckpointState {
  /** The prefix of the latest checkpoint. */
  modelCheckpointPath: string
  /** The prefixes of the checkpoints kept, oldest first (the latest last). */
  allModelCheckpointPaths: string[]
}

/**
 * The state file of `checkpointDir` (`<dir>/checkpoint`, or `latestFilename`), with relative
 * paths resolved against the directory, as TF's `get_checkpoint_state`; `null` when there is no
 * state file or it cannot be parsed (TensorFlow ignores such a file too).
 */
export function getCheckpointState(checkpointDir: string, latestFilename = 'checkpoint'): CheckpointState | null {
  let text: string
  try {
    text = fs.readFileSync(path.join(checkpointDir, latestFilename), 'latin1')
  } catch {
    return null
  }
  const state = parseCheckpointState(text)
  if (state === null) return null
  const resolve = (p: string): string => (path.isAbsolute(p) ? p : path.join(checkpointDir, p))
  return {
    modelCheckpointPath: resolve(state.modelCheckpointPath),
    allModelCheckpointPaths: state.allModelCheckpointPaths.map(resolve),
  }
}

/**
 * The prefix of the latest checkpoint in `checkpointDir` according to its state file (TF's
 * `tf.train.latest_checkpoint`); `null` when there is none or its files are gone.
 */
export function latestCheckpoint(checkpointDir: string, latestFilename = 'checkpoint'): string | null {
  const state = getCheckpointState(checkpointDir, latestFilename)
  if (state === null || !checkpointExists(state.modelCheckpointPath)) return null
  return state.modelCheckpointPath
}

/**
 * Writes the state file of `saveDir` (atomically, as TF's `update_checkpoint_state`): the latest
 * checkpoint and all kept ones. Paths are written as given, except that with a relative
 * `saveDir` relative paths are made relative to it, and with `saveRelativePaths` absolute ones
 * too.
 *
 * @internal
 */
export function writeCheckpointState(
  saveDir: string,
  modelCheckpointPath: string,
  allModelCheckpointPaths: readonly string[],
  latestFilename: string,
  saveRelativePaths: boolean,
): void {
  const relativeToDir = (p: string): string => path.relative(saveDir, p)
  let model = modelCheckpointPath
  let all = [...allModelCheckpointPaths]
  if (saveRelativePaths) {
    model = path.isAbsolute(model) ? relativeToDir(model) : model
    all = all.map((p) => (path.isAbsolute(p) ? relativeToDir(p) : p))
  }
  if (all.length === 0 || all[all.length - 1] !== model) all.push(model)
  if (!path.isAbsolute(saveDir)) {
    model = path.isAbsolute(model) ? model : relativeToDir(model)
    all = all.map((p) => (path.isAbsolute(p) ? p : relativeToDir(p)))
  }
  const file = path.join(saveDir, latestFilename)
  const lines = [`model_checkpoint_path: ${quote(model)}`, ...all.map((p) => `all_model_checkpoint_paths: ${quote(p)}`)]
  const temp = `${file}.tmp${process.pid}.${Date.now()}`
  fs.writeFileSync(temp, `${lines.join('\n')}\n`, 'latin1')
  fs.renameSync(temp, file)
}

/** A string as protobuf's text format writes it: C escapes, bytes outside printable ASCII in octal. */
function quote(value: string): string {
  let out = '"'
  for (const byte of Buffer.from(value, 'utf8')) {
    const ch = String.fromCharCode(byte)
    if (ch === '"' || ch === "'" || ch === '\\') out += `\\${ch}`
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (ch === '\t') out += '\\t'
    else if (byte < 0x20 || byte >= 0x7f) out += `\\${byte.toString(8).padStart(3, '0')}`
    else out += ch
  }
  return `${out}"`
}

/** The two path fields of a `CheckpointState` text proto (others are skipped); `null` if malformed. */
function parseCheckpointState(text: string): CheckpointState | null {
  let model: string | null = null
  const all: string[] = []
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    const field = /^\s*(\w+)\s*:\s*(.*?)\s*$/.exec(line)
    if (field === null) return null
    const [, name, raw] = field
    if (name !== 'model_checkpoint_path' && name !== 'all_model_checkpoint_paths') continue
    const value = unquote(raw)
    if (value === null) return null
    if (name === 'model_checkpoint_path') model = value
    else all.push(value)
  }
  return model === null ? null : { modelCheckpointPath: model, allModelCheckpointPaths: all }
}

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  n: 10,
  r: 13,
  t: 9,
  a: 7,
  b: 8,
  f: 12,
  v: 11,
  '"': 34,
  "'": 39,
  '\\': 92,
  '?': 63,
}

/** A text-format string literal's value (UTF-8 bytes decoded), or `null` if it is not one. */
function unquote(raw: string): string | null {
  const literal = /^(["'])(.*)\1$/.exec(raw)
  if (literal === null) return null
  const body = literal[2]
  const bytes: number[] = []
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]
    if (ch !== '\\') {
      bytes.push(...Buffer.from(ch, 'latin1'))
      continue
    }
    const next = body[++i]
    if (next === undefined) return null
    const octal = /^[0-7]{1,3}/.exec(body.slice(i))
    const hex = /^x([0-9a-fA-F]{1,2})/.exec(body.slice(i))
    if (octal !== null) {
      bytes.push(parseInt(octal[0], 8) & 0xff)
      i += octal[0].length - 1
    } else if (hex !== null) {
      bytes.push(parseInt(hex[1], 16))
      i += hex[0].length - 1
    } else if (next in SIMPLE_ESCAPES) {
      bytes.push(SIMPLE_ESCAPES[next])
    } else {
      return null
    }
  }
  return Buffer.from(bytes).toString('utf8')
}
