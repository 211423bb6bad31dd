// Training progress: one line redrawn in place on a terminal, plain lines once per epoch when
// the output is a file or a CI log (where carriage returns would pile up into one long line).

/** Where training stands after a step. */
export interface ProgressState {
  /** 1-based epoch and its count. */
  readonly epoch: number
  readonly epochs: number
  /** Steps done so far, over all epochs, and the total. */
  readonly step: number
  readonly steps: number
  /** The mean loss and training accuracy of this epoch's steps so far. */
  readonly loss: number
  readonly accuracy: number
  /** Seconds since training started. */
  readonly elapsed: number
}

/** `seconds` as `m:ss`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`
}

/** A bar of `width` cells, `fraction` of them filled. */
export function formatBar(fraction: number, width: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width)
  return '█'.repeat(filled) + '░'.repeat(width - filled)
}

/** The figures of one progress report: epoch, step, loss, accuracy, steps/s and ETA. */
export function formatFigures(state: ProgressState): string {
  const rate = state.elapsed > 0 ? state.step / state.elapsed : 0
  const eta = rate > 0 ? (state.steps - state.step) / rate : 0
  const stepWidth = String(state.steps).length
  return [
    `epoch ${String(state.epoch).padStart(String(state.epochs).length)}/${state.epochs}`,
    `step ${String(state.step).padStart(stepWidth)}/${state.steps}`,
    `loss ${state.loss.toFixed(4)}`,
    `acc ${(100 * state.accuracy).toFixed(1).padStart(5)}%`,
    `${rate.toFixed(0)} steps/s`,
    `ETA ${formatDuration(eta)}`,
  ].join('  ')
}

/** The stream a {@link Progress} writes to: a TTY has `isTTY` and `columns`. */
export interface ProgressStream {
  write(text: string): unknown
  readonly isTTY?: boolean
  readonly columns?: number
}

/** Reports training progress to a stream, in place on a terminal. */
export class Progress {
  readonly #out: ProgressStream
  readonly #intervalMs: number
  #lastDraw = -Infinity
  #lastEpochPrinted = 0
  #drawn = false

  /**
   * @param out - The stream; process.stdout by default.
   * @param intervalMs - On a terminal, the least time between two redraws (the last step of
   *   each epoch is always drawn).
   */
  constructor(out: ProgressStream = process.stdout, intervalMs = 100) {
    this.#out = out
    this.#intervalMs = intervalMs
  }

  /** Reports the state after a step; `epochDone` marks the last step of an epoch. */
  update(state: ProgressState, epochDone: boolean): void {
    if (this.#out.isTTY) {
      const now = performance.now()
      if (!epochDone && now - this.#lastDraw < this.#intervalMs) return
      this.#lastDraw = now
      const figures = formatFigures(state)
      // The bar takes what the terminal's width leaves (0 or no width: assume 100 columns); the
      // line never wraps.
      const columns = this.#out.columns || 100
      const barWidth = Math.max(0, Math.min(30, columns - figures.length - 4))
      const line = barWidth >= 5 ? `${formatBar(state.step / state.steps, barWidth)}  ${figures}` : figures
      this.#out.write(`\r${line.slice(0, columns - 1)}\x1b[K`)
      this.#drawn = true
    } else if (epochDone && state.epoch !== this.#lastEpochPrinted) {
      this.#lastEpochPrinted = state.epoch
      this.#out.write(`${formatFigures(state)}\n`)
    }
  }

  /** Ends the in-place line, so what follows starts on a line of its own. */
  finish(): void {
    if (this.#drawn) this.#out.write('\n')
    this.#drawn = false
  }
}
